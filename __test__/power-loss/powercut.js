'use strict'
// Drives tools/powercut-fs: mounts it over a backing directory, learns when an armed cut caught
// its sync, and cuts the power.

const { spawn } = require('node:child_process')
const readline = require('node:readline')

/** A mounted power-cut file system; `armed` resolves to the tool's line when the armed cut fires. */
class PowerCutMount {
  constructor(proc, lines) {
    this.proc = proc
    this.lines = lines
    this.stderr = ''
    proc.stderr.on('data', (chunk) => (this.stderr += chunk))
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
    this.armed = new Promise((resolve) => (this.onArmed = resolve))
    this.waiting = []
    lines.on('line', (line) => {
      if (line.startsWith('armed-cut ')) return this.onArmed(line)
      const waiter = this.waiting.shift()
      if (waiter) waiter(line)
    })
  }

  /**
   * Mounts `binary` (tools/powercut-fs) at `point` over `backing` with `model` and `seed`, armed
   * when `arm` (`{ name, nth }`) is given.
   */
  static async mount(binary, backing, point, { model, seed, arm }) {
    const args = [backing, point, '--model', model, '--seed', String(seed)]
    if (arm) args.push('--arm-sync', `${arm.name}:${arm.nth}`)
    const proc = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const mount = new PowerCutMount(proc, readline.createInterface({ input: proc.stdout }))
    const line = await Promise.race([mount.nextLine(), mount.exited.then(({ code }) => `exited ${code}`)])
    if (!line || !line.startsWith('mounted ')) throw new Error(`powercut-fs did not mount ${point}: ${line}; ${mount.stderr}`)
    return mount
  }

  nextLine() {
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  /** Cuts the power: the backing directory is left as the disk would be; the mount is gone. */
  async cut() {
    const reply = this.nextLine()
    this.proc.stdin.write('cut\n')
    const line = await Promise.race([reply, this.exited.then(({ code }) => `exited ${code}`)])
    const { code } = await this.exited
    if (!line.startsWith('cut ') || code !== 0) throw new Error(`the cut failed: ${line}; ${this.stderr}`)
    return line
  }
}

module.exports = { PowerCutMount }

'use strict'
// The linux-x64-gnu binary loads on every distribution with glibc 2.17 or later: it asks the
// dynamic linker for no symbol version above GLIBC_2.17. The versions are read from the ELF
// file's version needs (.gnu.version_r), the table `objdump -T` and `readelf -V` print.

const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const GLIBC_MAX = [2, 17]

/**
 * The versions an ELF shared object needs from each library it links: { 'libc.so.6':
 * ['GLIBC_2.2.5', ...], ... }, from its SHT_GNU_verneed section. 64-bit little-endian only.
 */
function versionNeeds(file) {
  const elf = fs.readFileSync(file)
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`)
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error(`${file} is not a 64-bit little-endian ELF file`)
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const section = (i) => {
    const at = shoff + i * shentsize
    return { type: elf.readUInt32LE(at + 4), offset: Number(elf.readBigUInt64LE(at + 0x18)), link: elf.readUInt32LE(at + 0x28), info: elf.readUInt32LE(at + 0x2c) }
  }
  const cString = (at) => elf.toString('latin1', at, elf.indexOf(0, at))
  const needs = {}
  for (let i = 0; i < shnum; i++) {
    const verneed = section(i)
    if (verneed.type !== 0x6ffffffe) continue // SHT_GNU_verneed
    const strings = section(verneed.link).offset
    // info holds the number of entries: Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next }
    for (let n = 0, at = verneed.offset; n < verneed.info; n++) {
      const count = elf.readUInt16LE(at + 2)
      const names = (needs[cString(strings + elf.readUInt32LE(at + 4))] ??= [])
      // Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next }
      for (let k = 0, aux = at + elf.readUInt32LE(at + 8); k < count; k++) {
        names.push(cString(strings + elf.readUInt32LE(aux + 8)))
        aux += elf.readUInt32LE(aux + 12)
      }
      at += elf.readUInt32LE(at + 12)
    }
  }
  return needs
}

/** [2, 17] from 'GLIBC_2.17'; null for other version names. */
function glibcVersion(name) {
  const match = /^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$/.exec(name)
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] || 0)] : null
}

const atMost = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1])

const onLinuxX64Glibc = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)

;(onLinuxX64Glibc ? describe : describe.skip)('the linux-x64-gnu binary', () => {
  const binary = path.join(root, 'incremental-writer.linux-x64-gnu.node')

  it('needs no glibc symbol version above GLIBC_2.17', () => {
    const needs = versionNeeds(binary)
    const glibc = Object.values(needs).flat().filter(glibcVersion)
    expect(glibc).toContain('GLIBC_2.2.5') // x86-64's first glibc version: the table was read
    const tooNew = glibc.filter((name) => !atMost(glibcVersion(name), GLIBC_MAX))
    expect(tooNew).toEqual([])
  })

  it('links only the C library, the math library and the loader, no C++ runtime', () => {
    expect(Object.keys(versionNeeds(binary)).every((lib) => /^(libc|libm|libdl|libpthread|librt|libgcc_s|ld-linux-x86-64)\.so/.test(lib))).toBe(true)
  })
})

'use strict'
// The README's code blocks are what they say they are: TypeScript compiles under `strict` with
// the package's own types, JavaScript compiles and runs, JSON parses, shell is valid bash (see
// markdown-blocks.js). A block added later is checked by its kind; a kind without a check fails.

const fs = require('node:fs')
const path = require('node:path')
const { codeBlocks, checkMarkdown } = require('./markdown-blocks')

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')

describe("the README's code blocks", () => {
  it('each compile, parse or pass bash -n, as their kind says', () => {
    expect(checkMarkdown(readme)).toEqual([])
  })

  it('include TypeScript, JSON and shell blocks, found with their lines', () => {
    const kinds = new Set(codeBlocks(readme).map((block) => block.kind))
    expect([...kinds]).toEqual(expect.arrayContaining(['ts', 'json', 'sh', 'diff']))
  })
})

describe('the check of code blocks', () => {
  const page = (...blocks) => blocks.map(([kind, code]) => `Text.\n\n\`\`\`${kind}\n${code}\n\`\`\`\n`).join('\n')

  it('finds a TypeScript error at its line in the page', () => {
    const text = page(['ts', "import { SessionReader } from 'incremental-writer'\nconst seq: number = new SessionReader('a.jsonl')"])
    expect(checkMarkdown(text, 'page.md')).toEqual([expect.stringMatching(/^page\.md:5 \(ts\): TS2322: Type 'SessionReader' is not assignable to type 'number'/)])
  })

  it('finds a possibly undefined value under strict, in JavaScript too', () => {
    const text = page(['js', 'const last = [1, 2].at(-1)\nlast.toFixed()'])
    expect(checkMarkdown(text, 'page.md')).toEqual([expect.stringMatching(/^page\.md:5 \(js\): TS18048: 'last' is possibly 'undefined'/)])
  })

  it("tells a declared class or interface that is not the package's", () => {
    const text = page([
      'ts',
      'declare class SessionReader {\n  constructor(eventFile: string)\n  index(): Promise<number>\n}\ninterface ReadOptions { limit?: string }',
    ])
    const problems = checkMarkdown(text, 'page.md')
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^page\.md:4 \(ts\): TS\d+: .*'index\(\)' are incompatible/), expect.stringMatching(/^page\.md:8 \(ts\): TS2322: .*ReadOptions.*'limit' are incompatible/)]),
    )
  })

  it('runs a JavaScript block against the package in a directory of its own', () => {
    const writes = [
      "import { IncrementalWriter } from 'incremental-writer'",
      "const writer = new IncrementalWriter('s.jsonl', 's.index.json')",
      "await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'auto', stateId: 's0' }])",
      'await writer.close()',
      "if (writer.getByteOffset() === 0) throw new Error('nothing written')",
    ].join('\n')
    const requires = "const { verify } = require('incremental-writer')\nverify('missing.jsonl').catch((err) => { process.exitCode = err.code === 'ENOENT' ? 0 : 1 })"
    expect(checkMarkdown(page(['js', writes], ['js', requires]), 'page.md')).toEqual([])
  })

  it('finds a JavaScript block that fails when run', () => {
    const text = page(['js', "import { SessionReader } from 'incremental-writer'\nawait new SessionReader('missing.jsonl').index()"])
    expect(checkMarkdown(text, 'page.md')).toEqual([expect.stringMatching(/^page\.md:3 \(js\): node exited with 1: .*ENOENT/)])
  })

  it('compiles the new side of a diff', () => {
    const text = page(['diff', "-import { Writer } from './writer';\n+import { Writer } from 'incremental-writer';"])
    expect(checkMarkdown(text, 'page.md')).toEqual([expect.stringMatching(/^page\.md:5 \(diff\): TS2305: Module '"incremental-writer"' has no exported member 'Writer'/)])
  })

  it('finds JSON that does not parse, shell that bash cannot parse, and a kind it has no check for', () => {
    const text = page(['json', '{ "a": 1, }'], ['sh', 'npm test &&'], ['python', 'print(1)'], ['text', 'anything'])
    expect(checkMarkdown(text, 'page.md')).toEqual([
      expect.stringMatching(/^page\.md:3 \(json\): .*JSON/),
      expect.stringMatching(/^page\.md:9 \(sh\): .*syntax error/),
      expect.stringMatching(/^page\.md:15 \(python\): no check for this kind of block/),
    ])
  })
})

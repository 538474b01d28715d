'use strict'
// The code blocks of a Markdown page, checked as what they are, as Rust's doc tests check
// documentation: TypeScript and JavaScript compile under `strict` against the package's own
// types, a `declare`d class, function or interface is the package's own, a diff's new side
// compiles, JSON parses, shell is valid bash. JavaScript blocks also run, each in a temporary
// directory where `incremental-writer` is this package. TypeScript blocks are not run: they are
// the server's code, using its names. Shell blocks are not run: they install packages, build,
// or run the whole suite, which is what the rest of the tests do.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const ts = require('typescript')

const ROOT = path.join(__dirname, '..')
/** The server's names the README's snippets use without defining them. */
const CONTEXT = path.join(__dirname, 'fixtures', 'readme-context.d.ts')

const COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  allowJs: true,
  checkJs: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  baseUrl: ROOT,
  paths: { 'incremental-writer': ['index.d.ts'] },
  skipLibCheck: true,
}

/** Parsed files that are not blocks (the standard library, Node's types, the package's), shared by every check. */
const parsedFiles = new Map()

/** How each kind of block is checked; a kind not listed here is a problem, so none goes unchecked. */
const KINDS = {
  ts: 'typescript',
  typescript: 'typescript',
  js: 'javascript',
  javascript: 'javascript',
  diff: 'diff',
  json: 'json',
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  text: 'text',
}

/**
 * The fenced code blocks of `markdown`: `kind` (the info string's first word), `code` (without
 * the indentation of the fence) and `line`, the 1-based line of the opening fence.
 */
function codeBlocks(markdown) {
  const lines = markdown.split('\n')
  const blocks = []
  for (let at = 0; at < lines.length; at++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[at])
    if (!open) continue
    const [, indent, fence, kind] = open
    const closes = (line) => line.trim().startsWith(fence) && /^[`~]*$/.test(line.trim()) && line.trim()[0] === fence[0]
    let end = at + 1
    while (end < lines.length && !closes(lines[end])) end++
    const body = lines.slice(at + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
    blocks.push({ kind, line: at + 1, code: body.join('\n'), closed: end < lines.length })
    at = end
  }
  return blocks
}

/**
 * Every problem with the code blocks of `markdown`, as `<page>:<line> (<kind>): <what>`; an empty
 * array when every block is what it says it is.
 */
function checkMarkdown(markdown, page = 'README.md') {
  const problems = []
  const sources = []
  for (const block of codeBlocks(markdown)) {
    const where = `${page}:${block.line} (${block.kind || 'no kind'})`
    if (!block.closed) problems.push(`${where}: the block is never closed`)
    const check = KINDS[block.kind]
    if (check === 'typescript') sources.push(moduleSource(block, 'ts'))
    else if (check === 'javascript') {
      sources.push(moduleSource(block, 'js'))
      problems.push(...runProblems(block, where))
    }
    else if (check === 'diff') problems.push(...diffProblems(block, where, sources))
    else if (check === 'json') problems.push(...jsonProblems(block, where))
    else if (check === 'shell') problems.push(...shellProblems(block, where))
    else if (check !== 'text') problems.push(`${where}: no check for this kind of block; label it one of ${Object.keys(KINDS).join(', ')}`)
  }
  problems.push(...typeProblems(sources, page))
  return problems.sort((a, b) => lineOf(a) - lineOf(b))
}

const lineOf = (problem) => Number(/:(\d+) /.exec(problem)[1])

/**
 * A block as a module of its own (so that what it defines hides the context's globals and it
 * may `await` at the top), with `lines[i]` the page's line of its line i. Each class, function
 * or interface it `declare`s is checked against the package's export of the same name, both
 * ways: the package's must fit the block's, and the block's must list all of the package's.
 */
function moduleSource(block, extension, lines = block.code.split('\n').map((_, i) => block.line + 1 + i)) {
  const checks = extension === 'ts' ? declarationChecks(block) : []
  const code = [block.code, 'export {}', ...checks.map(({ check }) => check)].join('\n')
  return { file: path.join(ROOT, `readme-block-${block.line}.${extension}`), code, kind: block.kind, lines: [...lines, block.line, ...checks.map(({ line }) => line)] }
}

function declarationChecks(block) {
  const source = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.ES2022, true)
  const declared = (node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) || []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
  const checks = []
  const seen = new Set()
  for (const node of source.statements) {
    const name = node.name && node.name.text
    if (!name || seen.has(name)) continue
    const line = block.line + 1 + source.getLineAndCharacterOfPosition(node.getStart()).line
    if ((ts.isClassDeclaration(node) || ts.isFunctionDeclaration(node)) && declared(node)) {
      checks.push({ line, check: `const __${name}_is_the_packages: typeof ${name} = __package.${name}` })
      checks.push({ line, check: `const __${name}_lists_the_packages: typeof __package.${name} = ${name}` })
    } else if (ts.isInterfaceDeclaration(node)) {
      checks.push({ line, check: `const __${name}_is_the_packages = (value: __package.${name}): ${name} => value` })
      checks.push({ line, check: `const __${name}_lists_the_packages = (value: ${name}): __package.${name} => value` })
    } else continue
    seen.add(name)
  }
  if (checks.length > 0) checks.unshift({ line: block.line, check: "import * as __package from 'incremental-writer'" })
  return checks
}

/** A unified diff: each line added, removed or kept; its new side is compiled as TypeScript. */
function diffProblems(block, where, sources) {
  const lines = block.code.split('\n')
  const problems = lines
    .map((line, i) => (/^([-+ ]|@@|$)/.test(line) ? null : `${block.kind} line ${i + 1} is neither added (+), removed (-) nor kept ( ): ${line}`))
    .filter(Boolean)
    .map((what) => `${where}: ${what}`)
  const kept = lines.map((line, i) => ({ line, at: block.line + 1 + i })).filter(({ line }) => /^[+ ]/.test(line))
  sources.push(moduleSource({ ...block, code: kept.map(({ line }) => line.slice(1)).join('\n') }, 'ts', kept.map(({ at }) => at)))
  return problems
}

function jsonProblems(block, where) {
  try {
    JSON.parse(block.code)
    return []
  } catch (err) {
    return [`${where}: ${err.message}`]
  }
}

/**
 * Runs a JavaScript block with this Node, as an ES module when it imports, exports or awaits at
 * the top and as CommonJS otherwise, in a temporary directory where `incremental-writer` is
 * this package; a problem when it exits with anything but 0 (a hang is killed after a minute).
 */
function runProblems(block, where) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-block-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'incremental-writer'), 'dir')
    const type = /^\s*(import|export|await)\b/m.test(block.code) ? 'module' : 'commonjs'
    const result = spawnSync(process.execPath, ['--input-type', type], { cwd: dir, input: block.code, encoding: 'utf8', timeout: 60_000 })
    if (result.status === 0) return []
    const stderr = result.stderr.trim().split('\n').filter((line) => !/^\s+at /.test(line)).slice(0, 6).join(' ')
    return [`${where}: node exited with ${result.status ?? result.signal}: ${stderr}`]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** `bash -n`: the block parses as bash. It is not run. */
function shellProblems(block, where) {
  const result = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' })
  return result.status === 0 ? [] : [`${where}: ${result.stderr.trim() || `bash -n exited with ${result.status}`}`]
}

/** One program for every TypeScript and JavaScript source, with the server context. */
function typeProblems(sources, page) {
  if (sources.length === 0) return []
  const byFile = new Map(sources.map((source) => [source.file, source]))
  const host = ts.createCompilerHost(COMPILER_OPTIONS)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (file) => byFile.has(file) || fileExists.call(host, file)
  host.readFile = (file) => (byFile.has(file) ? byFile.get(file).code : readFile.call(host, file))
  host.getSourceFile = (file, language, ...rest) => {
    if (byFile.has(file)) return ts.createSourceFile(file, byFile.get(file).code, language)
    if (!parsedFiles.has(file)) parsedFiles.set(file, getSourceFile.call(host, file, language, ...rest))
    return parsedFiles.get(file)
  }
  const program = ts.createProgram([...byFile.keys(), CONTEXT], COMPILER_OPTIONS, host)
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
    const source = diagnostic.file && byFile.get(diagnostic.file.fileName)
    if (!source) return `${page}:0 (context): ${diagnostic.file ? diagnostic.file.fileName : ''} ${message}`
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    return `${page}:${source.lines[line]} (${source.kind}): ${message}`
  })
}

module.exports = { codeBlocks, checkMarkdown }

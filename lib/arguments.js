'use strict'
// Checks of the arguments the API takes, each failing with the error Node's own APIs give.

const { realpathSync } = require('node:fs')
const path = require('node:path')
const { typeError, describe, messageOf } = require('./errors')

function requireString(name, value) {
  if (typeof value !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type string. Received ${describe(value)}`)
  }
}

/** A path as `fs` takes it: a string without null bytes. */
function requirePath(name, value) {
  requireString(name, value)
  if (value.includes('\0')) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The argument '${name}' must be a string without null bytes. Received ${describe(value)}`)
  }
}

/**
 * Refuses a log and an index that are one file, however the two paths name it; returns the
 * files the two paths name (see `realPath`).
 */
function requireTwoFiles(eventFile, indexFile) {
  const files = { eventFile: realPath(eventFile), indexFile: realPath(indexFile) }
  if (files.indexFile === files.eventFile) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The argument 'indexFile' must not name the same file as 'eventFile' ('${files.eventFile}'). Received ${describe(indexFile)}`)
  }
  return files
}

/**
 * The file a path names: its realpath, else (it does not exist yet) its directory's realpath
 * joined with its name, else the path resolved.
 */
function realPath(file) {
  try {
    return realpathSync.native(file)
  } catch {
    try {
      return path.join(realpathSync.native(path.dirname(file)), path.basename(file))
    } catch {
      return path.resolve(file)
    }
  }
}

/**
 * `read()`, which inspects an argument; what it throws (a revoked Proxy, a throwing trap or
 * getter) becomes ERR_INVALID_ARG_TYPE: "`what` cannot be read".
 */
function readArgument(what, read) {
  try {
    return read()
  } catch (cause) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${what} cannot be read: ${messageOf(cause)}`, cause)
  }
}

/** The fields `keys` of an options argument, each read once; `undefined` has none. */
function readOptions(options, keys) {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${describe(options)}`)
  }
  return readArgument('The "options" argument', () => Object.fromEntries(keys.map((key) => [key, options[key]])))
}

function requireOffset(name, value) {
  if (!isOffset(value)) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a non-negative integer. Received ${describe(value)}`)
  return value
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A byte offset in a file. */
function isOffset(value) {
  return Number.isSafeInteger(value) && value >= 0
}

/** `<name>.index.json` beside `<name>.jsonl`, as the server names them. */
function defaultIndexFile(eventFile) {
  return typeof eventFile === 'string' ? eventFile.replace(/(\.jsonl)?$/, '.index.json') : undefined
}

module.exports = { requireString, requirePath, requireTwoFiles, readArgument, readOptions, requireOffset, isObject, defaultIndexFile }

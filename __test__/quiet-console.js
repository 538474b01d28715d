'use strict'
// Passing tests print nothing: a test that writes to the console fails, with what it wrote, so
// that what Jest prints is failures only (set up for every test by jest.config.js).

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace']
let written = []
let spies = []

beforeEach(() => {
  written = []
  spies = METHODS.map((method) => jest.spyOn(console, method).mockImplementation((...args) => written.push(`console.${method}: ${args.join(' ')}`)))
})

afterEach(() => {
  for (const spy of spies) spy.mockRestore()
  if (written.length > 0) throw new Error(`the test wrote to the console (a passing test prints nothing):\n${written.join('\n')}`)
})

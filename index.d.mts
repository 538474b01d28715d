// Types for the ES module entry point (index.mjs): the same as index.d.ts.
import * as api from './index.js'

export * from './index.js'
export default api

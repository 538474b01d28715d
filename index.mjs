// The ES module entry point: the same API as index.js, which it re-exports, so that
// `import { IncrementalWriter } from 'incremental-writer'` and `require('incremental-writer')`
// share one native addon and one set of classes.
import api from './index.js'

export const { IncrementalWriter, SessionReader, verify, repair, setDescriptorBudget, setIndexMemoryBudget } = api
export default api

// The worker entry when the service runs from its TypeScript sources (tests, `npm run bench`):
// registers tsx in this thread, then loads render-worker.ts. Built code loads render-worker.js.
import { register } from 'tsx/esm/api';

register();
const { default: render } = await import('./render-worker.ts');
export default render;

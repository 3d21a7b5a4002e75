// The entry of the sender pool's worker threads (piscina): each task renders one message.
import { type RenderJob, type RenderResult, renderMessage } from './message-rendering.js';

export default function render(job: RenderJob): Promise<RenderResult> {
  return renderMessage(job);
}

// Rerun and Vary from any result (a job card, the stage, the lightbox). Rerun queues the job's
// model, prompt and options again, with its sources or frames, without touching the composer:
// the model draws a new seed unless the person asks for the same one. Vary opens an edit of the
// picture with the edit model used last (studio.js).

import { newUuid } from './dom.js';

/** Whether `job` can be queued again as it is (a story's frames are made in the Story view). */
export function canRerun(job) {
  return Boolean(job?.model) && ['image', 'edit', 'restore', 'video'].includes(job.kind) && !('sequential_image_generation' in (job.options || {}));
}

/** Whether the job was asked for a seed (then "the same seed" is a choice). */
export function hasSeed(job) {
  const seed = job?.options?.seed;
  return seed !== undefined && seed !== null && seed !== '';
}

/** Sends the job's request again (a fresh Idempotency-Key); resolves to the new job. */
export async function rerunJob(api, job, { sameSeed = false } = {}) {
  const options = { ...(job.options || {}) };
  if (!sameSeed) delete options.seed;
  const base = { model: job.model, prompt: job.prompt || '', options };
  const key = newUuid();
  if (job.kind === 'image') return (await api.generateImage(base, key)).job;
  if (job.kind === 'video') {
    const frames = {};
    if (job.start_frame_asset_id) frames.start_frame_asset_id = job.start_frame_asset_id;
    if (job.end_frame_asset_id) frames.end_frame_asset_id = job.end_frame_asset_id;
    if ((job.reference_asset_ids || []).length) frames.reference_asset_ids = job.reference_asset_ids;
    return (await api.generateVideo({ ...base, frames }, key)).job;
  }
  return (await api.editImage({ ...base, sourceAssetIds: job.source_asset_ids || [] }, key)).job;
}

/**
 * `GET /api/volume/flags` (role `informaticist`): the rules whose override or "not useful" rate over their last
 * firings passes the threshold set's limits (`volume.flags`), each with a proposed demotion. Nothing is demoted
 * automatically: a demotion is a threshold-set edit the informaticist drafts, replays and publishes.
 */
import { Router } from 'express';
import type { Store } from '../store';
import { volumeFlags } from './volume';
import type { VolumePolicy } from './volume';

export interface VolumeFlagsDeps {
  readonly store: Store;
  /** The threshold set in force: its version and its volume policy. */
  readonly thresholds: () => { readonly version: string; readonly volume: VolumePolicy };
}

export function createVolumeFlagsRouter(deps: VolumeFlagsDeps): Router {
  const router = Router();
  router.get('/flags', async (_req, res) => {
    const { version, volume } = deps.thresholds();
    const firings = await deps.store.volume.ruleFirings(volume.flags.lastFirings);
    res.json({
      thresholdVersion: version,
      limits: volume.flags,
      rulesWithFirings: firings.length,
      flags: volumeFlags(firings, volume),
    });
  });
  return router;
}

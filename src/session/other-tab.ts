import type { SessionEvent } from './events.js';
import type { FamilyLock } from './family-lock.js';
import { pollUntil } from './markers.js';
import type { TabMessage } from './tab-sync.js';
import type { TokenStore } from '../cache/token-store.js';

/** Another tab's session event (client.ts), delivered once this tab's storage shows it. */
export async function fromOtherTab(
  m: TabMessage,
  inTabOnly: boolean,
  store: TokenStore,
  family: FamilyLock,
  emit: (e: SessionEvent) => void,
): Promise<void> {
  const t = m.type;
  const otherTab = () => emit({ type: 'signedOut', reason: 'other_tab' });
  if (inTabOnly) {
    // A memory cache is per tab: other tabs' tokens are theirs, but their logout revokes and forgets this tab's too.
    if (t === 'logout' && (await store.getSession())) await family.signOut(true).then(otherTab);
    return;
  }
  store.forgetPeeked(); // the message may arrive before the write's IndexedDB marker does
  if (t === 'tokenRefreshed') return emit(m);
  if (t === 'rotated' || t === 'cleared') return; // the rest: signedIn, logout, family_removed
  // localStorage reaches other tabs a moment after the BroadcastChannel message: wait (up to ~1 s) until it shows here.
  const s = await pollUntil(() => store.getSession().catch(() => undefined), (s) => (t === 'signedIn' ? s : !s || (t === 'family_removed' && s.family !== m.family)), 39, 25);
  // A removed family signs this tab out when it was the session's.
  if (t === 'signedIn') emit(m);
  else if (!s) otherTab();
}

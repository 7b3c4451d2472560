/**
 * Internal member names that the script-tag bundle shortens (terser property mangling). Only names of
 * the SDK's own internals: never a public API name (dist/index.d.ts), a stored or sent field (cache
 * records, transactions, BroadcastChannel/postMessage data, request bodies), a DOM name, or a name the
 * mock server, demo, tests or bench read. The ESM/CJS builds are not mangled; `npm run check:dist` and
 * the e2e suite (which runs this bundle) check the result.
 */
export const PRIVATE_NAMES = `
  getSession getFamily familyKey manifestKey getAccess manifestChain unsaved httpTimeoutMs inflight accessKey persist
  refetchedAt sessionKey setSession updateManifest replaceSession inTabOnly setAccess casFamily checkIdToken removeFamily restored
  issParameterRequired noRefreshTokenReason receivedAt discard popupFlow warned crossTab announce requireIdToken lockTimeoutMs
  revocationUrl recheck flushUnsaved removeAccess issRequired newFamilyId commitLogin waitForSeq persistNow familyFor prefetch
  getJwks setJwks deps userInfo markers flow transactions endpoints seqOf lockPrefix imported audienceParam notBefore epoch
  manifest createFamily signOut publish commit expectedOrigin signingInput
  nonces newKey proof claim current emit used
  uri loading restore silent iframe offsetMs getToken makeProof subscribe cached timeoutMs tabs events store
  prefix jwks dpop accessKeys force tokenUrl header payload signature options clock send save
  authorization revocation userinfo jwksUri fresh refresh revokeFamily families
  exchange end records wipe take writing raw read write consistent builtIn granted settle jwksKey change changed crossTab known storedSession
  release onSessionEvent base refreshToken signedOut sweep id params webMessageFlow post
  hold tokens dpopKey lock
`.trim().split(/\s+/);

/**
 * The public and stored names a mangled name must never be (scripts/check-dist.mjs checks it on every build):
 * every member of the public declarations, and of the types whose values leave the tab's memory.
 */
export const NAME_SOURCES = {
  'dist/index.d.ts': '*', // the public API
  'src/cache/entries.ts': ['FamilyRecord', 'AccessEntry', 'SessionEntry'], // stored records
  'src/flows/transaction.ts': ['Transaction'], // stored login transactions
  'src/session/tab-sync.ts': ['TabMessage'], // BroadcastChannel messages
  'src/protocol/id-token.ts': ['StoredJwks', 'IdTokenClaims'], // stored keys, claims apps read
};

/** Member names of the interfaces and type aliases `types` ('*': all) declared in a TypeScript file's text. */
export function declaredNames(ts, fileName, text, types) {
  const names = new Set();
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const members = (node) => {
    const member = ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node);
    const isPrivate = ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private; // a class's own internals: mangled
    if (member && !isPrivate && node.name && ts.isIdentifier(node.name)) {
      names.add(node.name.text);
    }
    ts.forEachChild(node, members);
  };
  const visit = (node) => {
    if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isClassDeclaration(node)) && node.name) {
      if (types === '*' || types.includes(node.name.text)) return members(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

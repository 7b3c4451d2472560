// rotor-auth demo: a plain script-tag app. `rotorAuth` is the global from dist/rotor-auth.min.js.
// Settings come from the URL only (?as=<authorization server>&cache=<location>&dpop=1) and travel
// in the URLs the demo builds: the login's redirect_uri, the logout's returnTo, the reloads and the
// "open a second tab" link. Nothing from a link is stored, so a crafted link cannot stick for the tab,
// and `as` must be a loopback origin (127.0.0.1, localhost or [::1], any port): a link naming any other
// server is ignored with a notice, never followed.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var DEFAULT_AS = 'http://127.0.0.1:4000';
  var settings = readSettings(location.search);
  var AS = settings.as;
  var API_AUDIENCE = 'https://api.rotor.test';
  var CLIENT_ID = 'demo';
  var client;
  var signedIn = false;
  var busy = false;
  var families = [];
  var serverUp = true;
  var dpopAvailable = true;
  // What the story did on purpose (a replay, a theft): the sign-out that follows is its outcome, not a failure.
  var intended = null;

  $('as-url').textContent = AS;
  $('cache-location').value = settings.cache;
  $('dpop').checked = settings.dpop;

  /** The origin of `value` when it is an http(s) loopback origin (any port), else null. */
  function loopbackOrigin(value) {
    var u;
    try { u = new URL(value); } catch (e) { return null; }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (['127.0.0.1', 'localhost', '[::1]'].indexOf(u.hostname) < 0) return null;
    if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) return null;
    return u.origin;
  }

  function readSettings(search) {
    var q = new URLSearchParams(search);
    var s = { as: DEFAULT_AS, cache: q.get('cache') || 'memory', dpop: q.get('dpop') === '1', refused: null };
    if (q.has('as')) {
      var origin = loopbackOrigin(q.get('as'));
      if (origin) s.as = origin;
      else s.refused = q.get('as');
    }
    if (['memory', 'localstorage', 'indexeddb'].indexOf(s.cache) < 0) s.cache = 'memory';
    return s;
  }

  /** The demo's own query: the settings that differ from the defaults (extra: more keys). */
  function settingsQuery(extra) {
    var q = new URLSearchParams();
    if (AS !== DEFAULT_AS) q.set('as', AS);
    if (settings.cache !== 'memory') q.set('cache', settings.cache);
    if (settings.dpop) q.set('dpop', '1');
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    var text = q.toString();
    return text ? '?' + text : '';
  }

  function here(extra) {
    return location.origin + location.pathname + settingsQuery(extra);
  }

  function reloadWith(key, value) {
    var next = { as: AS, cache: settings.cache, dpop: settings.dpop };
    next[key] = key === 'dpop' ? value === '1' : value;
    var q = new URLSearchParams();
    if (next.as !== DEFAULT_AS) q.set('as', next.as);
    if (next.cache !== 'memory') q.set('cache', next.cache);
    if (next.dpop) q.set('dpop', '1');
    location.search = q.toString();
  }

  // ---- rendering helpers (textContent only: nothing from the network becomes HTML) ----

  function show(id, value) {
    $(id).textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  }

  function describeError(err) {
    var name = err && err.constructor && err.constructor.name !== 'Object' ? err.constructor.name + ' — ' : '';
    return name + (err.error ? err.error + ': ' : '') + (err.error_description || err.message || String(err));
  }

  function showError(err) {
    var box = $('error');
    box.hidden = !err;
    box.textContent = err ? describeError(err) : '';
  }

  // Each outcome has its own look: 'theft' (a thief got in), 'revoked' (a sign-out the story meant to
  // cause), 'good' (a defence that held, e.g. DPoP refusing a stolen token), 'info' (everything else).
  function notice(text, kind) {
    var box = $('notice');
    box.hidden = !text;
    box.className = 'notice notice-' + (kind || 'info');
    box.dataset.kind = kind || 'info';
    box.textContent = text || '';
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function short(value) {
    return value ? String(value).slice(0, 8) + '…' : '—';
  }

  function time(at) {
    return new Date(at || Date.now()).toLocaleTimeString();
  }

  function decodeJwt(token) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part + '==='.slice((part.length + 3) % 4)));
    } catch (e) {
      return undefined;
    }
  }

  function describeToken(token) {
    var claims = decodeJwt(token) || {};
    var lines = [short(token) + '  (' + token.length + ' chars)'];
    if (claims.aud) lines.push('aud: ' + [].concat(claims.aud).join(', '));
    if (claims.scope) lines.push('scope: ' + claims.scope);
    if (claims.cnf && claims.cnf.jkt) lines.push('bound to DPoP key ' + short(claims.cnf.jkt));
    if (claims.exp) lines.push('expires: ' + time(claims.exp * 1000));
    return lines.join('\n');
  }

  function logTo(listId, text, className) {
    var list = $(listId);
    var empty = list.querySelector('.empty');
    if (empty) empty.remove();
    list.insertBefore(el('li', className || '', text), list.firstChild);
    while (list.children.length > 80) list.removeChild(list.lastChild);
  }

  function story(step) {
    var items = $('story').children;
    var reached = false;
    for (var i = items.length - 1; i >= 0; i--) {
      if (items[i].dataset.step === step) reached = true;
      if (reached || step === null) items[i].classList.toggle('done', step !== null);
    }
  }

  // ---- which refresh tokens this tab holds: what its token responses carried, and (shared caches) its storage ----

  var ownTokens = new Set();
  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var p = realFetch(input, init);
    var url = typeof input === 'string' ? input : input && input.url;
    if (url && url.indexOf(AS + '/oauth/token') === 0) {
      p.then(function (res) { return res.clone().json(); }).then(function (body) {
        if (body && body.refresh_token) { ownTokens.add(body.refresh_token); renderFamilies(); }
      }).catch(function () { /* not JSON: nothing to learn */ });
    }
    return p;
  };

  async function storedTokens() {
    if (settings.cache === 'memory') return [];
    var cache = settings.cache === 'localstorage' ? new rotorAuth.LocalStorageCache() : new rotorAuth.IndexedDbCache();
    var keys = (await cache.allKeys()).filter(function (k) { return k.indexOf('@@rotor@@::' + CLIENT_ID + '::rt::') === 0; });
    var out = [];
    for (var i = 0; i < keys.length; i++) {
      var entry = await cache.get(keys[i]);
      if (entry && entry.refresh_token) out.push(entry.refresh_token);
    }
    return out;
  }

  function isOwn(family) {
    return (family.tokens || []).some(function (t) { return ownTokens.has(t.value); });
  }

  // ---- the SDK ----

  function sdkEvent(text, className) {
    logTo('sdk-events', time() + '  ' + text, className);
  }

  function listen() {
    client.on('signedIn', function () {
      sdkEvent('signedIn', 'ok');
      story('signin');
      update();
    });
    client.on('tokenRefreshed', function (e) {
      sdkEvent('tokenRefreshed  ' + e.audience + ' until ' + time(e.expiresAt), 'ok');
      story('rotate');
      update();
    });
    client.on('signedOut', function (e) {
      sdkEvent('signedOut  reason: ' + e.reason, e.reason === 'logout' ? 'local' : 'warn');
      if (e.reason !== 'logout') story('signedout');
      if (e.reason === 'invalid_grant' && revokedOnPurpose()) { update(); return; } // the story's own outcome says it
      var why = {
        logout: 'You logged out in this tab.',
        other_tab: 'Another tab signed this session out (logout, or its refresh was rejected): this page followed it.',
        invalid_grant: 'The server rejected this tab\'s refresh token (invalid_grant): the family was revoked, so the SDK dropped its tokens.',
        invalid_id_token: 'A refresh returned an ID token that failed verification: the SDK revoked the family.',
      }[e.reason] || 'Signed out: ' + e.reason + '.';
      notice(why, e.reason === 'logout' ? 'info' : e.reason === 'other_tab' ? 'revoked' : 'bad');
      update();
    });
  }

  async function update() {
    try {
      signedIn = await client.isAuthenticated();
    } catch (e) {
      signedIn = false;
    }
    $('auth-status').textContent = signedIn ? 'signed in' : 'signed out';
    $('auth-status').className = 'pill ' + (signedIn ? 'pill-ok' : '');
    document.body.classList.toggle('signed-in', signedIn);
    show('user', signedIn ? (await client.getUser().catch(function () { return undefined; })) || '—' : '—');
    if (!signedIn) { show('token', '—'); show('api', '—'); }
    (await storedTokens().catch(function () { return []; })).forEach(function (t) { ownTokens.add(t); });
    enable();
    renderFamilies();
  }

  function enable() {
    var ready = !!client && !busy;
    $('login').disabled = !ready || signedIn;
    ['get-token', 'call-api', 'force-refresh', 'logout'].forEach(function (id) { $(id).disabled = !ready || !signedIn; });
    $('cache-location').disabled = busy;
    $('dpop').disabled = busy || !dpopAvailable;
    $('reset').disabled = busy || !serverUp;
    $('iframe-token').disabled = busy;
    document.querySelectorAll('#families button').forEach(function (b) { b.disabled = busy || b.dataset.off === '1'; });
  }

  /** A click handler that runs `fn` with the page busy: buttons off, the busy line naming what runs. */
  function action(fn, label) {
    return function (event) {
      if (busy) return undefined;
      var button = event && event.currentTarget;
      busy = true;
      document.body.setAttribute('aria-busy', 'true');
      $('busy').hidden = false;
      $('busy-text').textContent = (label || 'Working') + '…';
      if (button && button.classList) button.classList.add('in-flight');
      enable();
      showError(null);
      return Promise.resolve().then(fn).catch(function (err) {
        if (!isIntendedSignOut(err)) return showError(err);
        notice('Signed out, as the story intended: the server revoked this family (' + (intended || 'reuse detected') +
          '), so this tab\'s refresh was refused (invalid_grant) and the SDK dropped every token of it. Log in to start again.', 'revoked');
        intended = null;
        return undefined;
      }).then(function () {
        busy = false;
        document.body.removeAttribute('aria-busy');
        $('busy').hidden = true;
        if (button && button.classList) button.classList.remove('in-flight');
        return update();
      });
    };
  }

  /** The story revoked this tab's family (here, or in another tab: the server's families show it). */
  function revokedOnPurpose() {
    return !!intended || families.some(function (f) { return f.status === 'revoked' && f.reason === 'reuse_detected' && isOwn(f); });
  }

  /** invalid_grant after the story revoked the family: the outcome it meant, told as such (no error box). */
  function isIntendedSignOut(err) {
    return !!err && err.error === 'invalid_grant' && revokedOnPurpose();
  }

  async function getToken(cacheMode) {
    var token = await client.getTokenSilently({ cacheMode: cacheMode, authorizationParams: { audience: API_AUDIENCE } });
    show('token', describeToken(token));
    return token;
  }

  $('login').addEventListener('click', action(function () {
    notice(null);
    return client.loginWithRedirect({ appState: { returnTo: location.pathname } });
  }, 'Going to the authorization server'));
  $('get-token').addEventListener('click', action(function () { return getToken('on'); }, 'Getting a token'));
  $('force-refresh').addEventListener('click', action(function () { return getToken('off'); }, 'Refreshing: POST /oauth/token (grant_type=refresh_token)'));
  $('call-api').addEventListener('click', action(async function () {
    var token = await getToken('on');
    var headers = { authorization: 'Bearer ' + token };
    if (settings.dpop && client.createFetcher) {
      var res0 = await client.createFetcher().fetchWithAuth(AS + '/api/private', {}, { audience: API_AUDIENCE });
      show('api', { status: res0.status, body: await res0.json().catch(function () { return null; }) });
      return;
    }
    var res = await fetch(AS + '/api/private', { headers: headers });
    var body = await res.text();
    try { body = JSON.parse(body); } catch (e) { /* keep text */ }
    show('api', { status: res.status, body: body });
  }, 'Calling /api/private'));
  $('logout').addEventListener('click', action(function () {
    notice('Logging out: revoking the refresh token at the server, then ending its session…', 'info');
    return client.logout({ logoutParams: { returnTo: here({ loggedout: '1' }) } });
  }, 'Logging out'));
  $('cache-location').addEventListener('change', function (event) { reloadWith('cache', event.target.value); });
  $('dpop').addEventListener('change', function (event) { reloadWith('dpop', event.target.checked ? '1' : '0'); });

  // ---- the authorization server's control API: families, replay, theft, reset, ITP ----

  async function control(path, body) {
    var res = await realFetch(AS + '/__control/' + path, body === undefined ? {} : {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var text = await res.text();
    if (!res.ok) throw new Error('control API ' + path + ': HTTP ' + res.status + ' ' + text);
    return text ? JSON.parse(text) : null;
  }

  var REASONS = {
    reuse_detected: 'reuse detected',
    revoked: 'logged out',
    code_replayed: 'code replayed',
    limit: 'too many sessions',
    consent_revoked: 'consent revoked',
    mfa_required: 'MFA required',
    idle: 'idle too long',
    absolute: 'lifetime over',
  };

  function badge(family) {
    if (family.status === 'active') return 'active';
    var reason = REASONS[family.reason] || family.reason;
    return family.status + (reason && reason !== family.status ? ' · ' + reason : '');
  }

  var renderedFamilies = '';
  function renderFamilies() {
    var list = families.slice().sort(function (a, b) { return b.createdAt - a.createdAt; });
    var own = list.map(isOwn);
    var snapshot = JSON.stringify([list, own, busy]);
    if (snapshot === renderedFamilies) return; // unchanged: keep the DOM (and the buttons under the pointer)
    renderedFamilies = snapshot;
    var root = $('families');
    root.textContent = '';
    if (!serverUp) { root.appendChild(el('p', 'error', 'control API unreachable at ' + AS + '/__control/')); return; }
    if (!list.length) { root.appendChild(el('p', 'muted', 'no families yet: log in')); return; }
    list.forEach(function (family, i) {
      var mine = own[i];
      var box = el('div', 'family family-' + family.status + (mine ? ' own' : ' other'));
      box.dataset.family = family.id;
      box.dataset.status = family.status;
      box.dataset.own = String(mine);
      var head = el('div', 'family-head');
      head.appendChild(el('strong', '', 'family ' + (family.id.length > 16 ? family.id.slice(0, 14) + '…' : family.id)));
      if (mine) head.appendChild(el('span', 'tag-own', settings.cache === 'memory' ? 'this tab' : 'this browser'));
      head.appendChild(el('span', 'badge badge-' + family.status, badge(family)));
      head.appendChild(el('span', 'muted small', family.sub + ' · ' + family.rotations + ' rotation' + (family.rotations === 1 ? '' : 's')));
      box.appendChild(head);
      var chain = el('ol', 'chain');
      (family.tokens || []).forEach(function (t) {
        var link = el('li', 'token token-' + t.state);
        link.appendChild(el('code', '', short(t.value)));
        link.appendChild(el('span', '', t.state));
        chain.appendChild(link);
      });
      box.appendChild(chain);
      if (mine && family.status === 'active') {
        var actions = el('div', 'buttons');
        var replay = el('button', 'danger', 'Simulate attacker replay');
        replay.dataset.testid = 'replay';
        replay.title = 'POST /__control/replay: present an already-rotated refresh token of this family';
        if (family.rotations === 0) replay.dataset.off = '1';
        replay.addEventListener('click', action(async function () {
          var result = await control('replay', { family: family.id });
          intended = 'an attacker replayed a retired token';
          story('attack');
          logTo('events', time() + '  attacker presented the retired ' + short(result && result.presented) + ' → HTTP ' + (result && result.status), 'local');
          notice('An attacker replayed a retired refresh token: the server revoked the whole family. This tab learns it at its next refresh — try Force refresh.', 'revoked');
        }, 'Replaying a retired token'));
        actions.appendChild(replay);
        var steal = el('button', 'danger', 'Steal the refresh token');
        steal.dataset.testid = 'steal';
        steal.title = 'Copy the current refresh token (as malware reading storage would) and use it from this origin without the SDK';
        steal.addEventListener('click', action(function () { return stealFrom(family); }, 'The thief presents the token'));
        actions.appendChild(steal);
        box.appendChild(actions);
        if (family.rotations === 0) box.appendChild(el('p', 'muted small', 'Force a refresh once to have a retired token an attacker could replay.'));
      } else if (!mine && family.status === 'active') {
        box.appendChild(el('p', 'muted small', settings.cache === 'memory'
          ? 'Not this tab\'s: another tab\'s session, or this tab\'s before a reload (a memory cache forgets its tokens).'
          : 'Another session (another browser or cache).'));
      }
      root.appendChild(box);
    });
    enable();
  }

  /** The thief: the family's current refresh token, presented with a plain fetch (no SDK, no DPoP proof). */
  async function stealFrom(family) {
    var current = (family.tokens || []).filter(function (t) { return t.state === 'current'; })[0];
    if (!current) throw new Error('this family has no current refresh token');
    story('attack');
    logTo('events', time() + '  thief copied refresh token ' + short(current.value) + ' and presents it (no DPoP proof)', 'local');
    var res = await realFetch(AS + '/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: current.value }).toString(),
    });
    var body = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      logTo('events', time() + '  thief rejected: HTTP ' + res.status + ' ' + (body.error || ''), 'ok');
      notice('Good news: the stolen refresh token was refused (' + (body.error || 'HTTP ' + res.status) + '). It is bound to this tab\'s DPoP key, which cannot be exported, so a copy is useless elsewhere. Your session continues.', 'good');
      await getToken('off');
      return;
    }
    logTo('events', time() + '  thief got fresh tokens (HTTP 200): the token was a bearer token', 'bad');
    var theft = 'The thief redeemed the stolen refresh token (HTTP 200): without DPoP it is a bearer token, good for whoever holds it.';
    notice(theft + ' Your tab now holds a retired token…', 'theft');
    intended = 'a thief redeemed the stolen token';
    try {
      await getToken('off');
      notice(theft + ' This tab\'s refresh still worked (inside the server\'s reuse interval).', 'theft');
    } catch (err) {
      if (!isIntendedSignOut(err)) throw err;
      notice(theft + ' Then this tab\'s refresh presented its now-retired token: reuse detection revoked the family for both of you (invalid_grant), and the SDK signed this tab out. Tick DPoP and try again to see the theft fail.', 'theft');
    } finally {
      intended = null;
    }
  }

  async function loadFamilies() {
    try {
      families = (await control('families')).filter(function (f) { return !f.clientId || f.clientId === CLIENT_ID; });
      serverUp = true;
    } catch (e) {
      serverUp = false;
    }
    renderFamilies();
    enable();
  }

  var familiesTimer;
  function scheduleFamilies() {
    clearTimeout(familiesTimer);
    familiesTimer = setTimeout(loadFamilies, 30);
  }

  // ---- server events over one SSE connection (no polling) ----

  var EVENT_TYPES = ['token_request', 'authorize', 'login', 'logout', 'code.issued', 'code.replayed', 'family.created',
    'family.revoked', 'family.expired', 'refresh_token.rotated', 'refresh_token.reuse_detected', 'refresh_token.reuse_interval',
    'refresh_token.revoked', 'consent.revoked', 'consent.narrowed', 'mfa.required', 'keys.rotated', 'fault.applied',
    'clock.advanced', 'reset', 'dpop.rejected'];

  function renderEvent(e) {
    var parts = [time(e.at), e.type];
    if (e.grant_type) parts.push(e.grant_type);
    if (e.status) parts.push('HTTP ' + e.status);
    if (e.family) parts.push('family ' + short(e.family));
    if (e.reason) parts.push('(' + (REASONS[e.reason] || e.reason) + ')');
    if (e.error) parts.push(e.error);
    if (e.replay) parts.push('[attacker]');
    logTo('events', parts.join('  '), 'event event-' + e.type.replace(/[^a-z]/gi, '-'));
    if (e.type === 'refresh_token.reuse_detected' || (e.type === 'family.revoked' && e.reason === 'reuse_detected')) story('revoked');
  }

  function openStream() {
    var source = new EventSource(AS + '/__control/events/stream?since=0');
    EVENT_TYPES.forEach(function (type) {
      source.addEventListener(type, function (msg) {
        var e;
        try { e = JSON.parse(msg.data); } catch (err) { return; }
        if (e.clientId && e.clientId !== CLIENT_ID) return;
        renderEvent(e);
        scheduleFamilies();
      });
    });
    source.onopen = function () { serverUp = true; $('server').classList.remove('offline'); scheduleFamilies(); };
    source.onerror = function () { $('server').classList.add('offline'); };
    window.addEventListener('pagehide', function () { source.close(); });
  }

  $('reset').addEventListener('click', action(async function () {
    await control('reset', {});
    $('events').textContent = '';
    story(null);
    // The server forgot every family: this tab's tokens are worthless now; forget them without a redirect.
    if (signedIn) await client.logout({ openUrl: false });
    notice('Server reset: every session, family and event is gone. Log in to start the story again.');
    logTo('events', time() + '  server reset: sessions, families and events forgotten', 'local');
    scheduleFamilies();
  }, 'Resetting the server'));

  control('itp').then(function (state) { $('itp').checked = !!(state && state.enabled); }, function () { /* shown with the families */ });
  $('itp').addEventListener('change', function (event) {
    control('itp', { enabled: event.target.checked }).then(function () {
      logTo('events', time() + '  ITP mode ' + (event.target.checked ? 'on' : 'off'), 'local');
    }, showError);
  });

  // ---- third-party cookies: a frame from another site asks document.hasStorageAccess() ----

  var cookiesBlocked = null; // null: unknown
  function probeCookies() {
    var out = $('cookie-mode');
    var here = location.hostname;
    var other = here === 'localhost' ? '127.0.0.1' : here === '127.0.0.1' ? 'localhost' : null;
    if (!other || !document.hasStorageAccess) {
      out.textContent = 'Could not check this browser\'s third-party-cookie setting from here.';
      return;
    }
    window.addEventListener('message', function (m) {
      if (!m.data || m.data.rotorProbe !== 1 || m.data.storageAccess === null) return;
      cookiesBlocked = !m.data.storageAccess;
      out.dataset.blocked = String(cookiesBlocked);
      out.textContent = cookiesBlocked
        ? 'This browser blocks third-party cookies (Debian Chromium\'s and Safari\'s default): the silent iframe cannot work here whatever the server\'s ITP mode says. Refresh tokens don\'t care.'
        : 'This browser allows third-party cookies: the silent iframe works until the server\'s ITP mode (or a browser that blocks them) takes the cookie away.';
    });
    $('probe').src = location.protocol + '//' + other + (location.port ? ':' + location.port : '') + location.pathname.replace(/[^/]*$/, '') + 'probe.html';
  }

  // A second client without refresh tokens: its silent path is the prompt=none iframe, which needs
  // the authorization server's session cookie in a third-party context (what ITP and cookie blocking take away).
  $('iframe-token').addEventListener('click', action(async function () {
    var out = $('iframe-result');
    out.hidden = false;
    out.className = '';
    out.textContent = 'running prompt=none in a hidden iframe…';
    var iframeClient = new rotorAuth.AuthClient({
      domain: AS,
      clientId: CLIENT_ID,
      useRefreshTokens: false,
      authorizeTimeoutInSeconds: 10,
      authorizationParams: { redirect_uri: location.origin + location.pathname, audience: API_AUDIENCE },
    });
    try {
      var token = await iframeClient.getTokenSilently({ cacheMode: 'off' });
      out.textContent = 'iframe: got an access token ' + short(token) + ' — the session cookie reached the iframe.';
      out.className = 'ok';
    } catch (err) {
      var itp = $('itp').checked;
      var why = cookiesBlocked ? 'this browser blocks third-party cookies, so the server never saw its session cookie' + (itp ? ' (ITP mode is on as well)' : ' — switching ITP mode changes nothing here')
        : itp ? 'the server\'s ITP mode ignored the session cookie in the cross-site iframe'
          : cookiesBlocked === false ? 'no session at the server (log in first), or the session ended' : 'third-party cookies blocked, ITP mode, or no session at the server';
      out.textContent = 'iframe: ' + (err.error || err.name) + ' — ' + why + '.';
      out.className = 'failed';
    } finally {
      iframeClient.close();
    }
    logTo('events', time() + '  silent iframe: ' + out.textContent.split(' — ')[0], 'local');
  }, 'Trying prompt=none in a hidden iframe'));

  // ---- start ----

  async function makeClient() {
    var options = {
      domain: AS,
      clientId: CLIENT_ID,
      cacheLocation: settings.cache,
      authorizationParams: {
        redirect_uri: here(), // carries ?as, ?cache and ?dpop across the login redirect
        audience: API_AUDIENCE,
        scope: 'openid profile email',
      },
    };
    if (!settings.dpop) return rotorAuth.createAuthClient(options);
    try {
      return await rotorAuth.createAuthClient(Object.assign({ useDpop: true }, options));
    } catch (err) {
      if (!/useDpop/.test(String(err && err.message))) throw err;
      dpopAvailable = false;
      $('dpop').checked = false;
      $('dpop-note').hidden = false;
      $('dpop-note').textContent = 'This build of rotor-auth does not know useDpop yet (' + err.message + '): running without DPoP.';
      return rotorAuth.createAuthClient(options);
    }
  }

  async function start() {
    client = await makeClient();
    listen();
    var q = new URLSearchParams(location.search);
    if (q.has('code') || q.has('error')) {
      try {
        await client.handleRedirectCallback();
      } catch (err) {
        showError(err);
      }
      history.replaceState(null, '', location.pathname + settingsQuery());
    }
    if (q.has('loggedout')) {
      notice('You are logged out: the server revoked this session\'s refresh-token family and ended its session. Log in to start a new one.', 'good');
      history.replaceState(null, '', location.pathname + settingsQuery());
    }
    await update();
    if (signedIn) story('signin');
    document.body.dataset.ready = 'true';
  }

  $('second-tab').href = here();
  $('second-tab').title = 'This page with the same settings (' + (settings.cache === 'memory' ? 'memory: the new tab has its own session' : settings.cache + ': the new tab shares this one\'s session') + ')';
  $('second-tab-note').textContent = settings.cache === 'memory'
    ? 'With the memory cache each tab is its own session: pick localStorage or IndexedDB to see every other tab follow.'
    : 'It uses ' + settings.cache + ' too, so it shares this session: whatever happens here, it follows.';
  if (settings.refused !== null) {
    notice('Ignored ?as=' + settings.refused + ': this demo only talks to an authorization server on a loopback origin (127.0.0.1, localhost or [::1], any port). Using ' + AS + '.', 'bad');
  }
  enable();
  openStream();
  probeCookies();
  start().catch(function (err) {
    showError(err);
    $('auth-status').textContent = 'failed to start';
    document.body.dataset.ready = 'true';
  });
  window.addEventListener('pagehide', function () { if (client) client.close(); });
})();

// rotor-auth demo: a plain script-tag app. `rotorAuth` is the global from dist/rotor-auth.min.js.
// Settings come from the URL (?as=<authorization server>&cache=<location>) and are kept in
// sessionStorage so they survive the login redirect.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var settings = readSettings();
  var AS = settings.as;
  var API_AUDIENCE = 'https://api.rotor.test';
  var client;
  var lastEventSeq = 0;
  var pollTimer;

  $('as-url').textContent = AS;
  $('cache-location').value = settings.cache;

  function readSettings() {
    var q = new URLSearchParams(location.search);
    var stored = {};
    try { stored = JSON.parse(sessionStorage.getItem('rotor-demo') || '{}'); } catch (e) { stored = {}; }
    var s = {
      as: (q.get('as') || stored.as || 'http://127.0.0.1:4000').replace(/\/+$/, ''),
      cache: q.get('cache') || stored.cache || 'memory',
    };
    if (['memory', 'localstorage', 'indexeddb'].indexOf(s.cache) < 0) s.cache = 'memory';
    sessionStorage.setItem('rotor-demo', JSON.stringify(s));
    return s;
  }

  // ---- rendering helpers (textContent only: nothing from the network becomes HTML) ----

  function show(id, value) {
    $(id).textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  }

  function showError(err) {
    var box = $('error');
    if (!err) { box.hidden = true; box.textContent = ''; return; }
    box.hidden = false;
    var code = err.error ? err.error + ': ' : '';
    box.textContent = (err.constructor && err.constructor.name ? err.constructor.name + ' — ' : '') + code + (err.error_description || err.message || String(err));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function short(value) {
    return value ? String(value).slice(0, 10) + '…' : '—';
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
    if (claims.exp) lines.push('expires: ' + new Date(claims.exp * 1000).toLocaleTimeString());
    return lines.join('\n');
  }

  // ---- the SDK ----

  async function refreshStatus() {
    var authenticated = await client.isAuthenticated();
    $('auth-status').textContent = authenticated ? 'signed in' : 'signed out';
    document.body.classList.toggle('signed-in', authenticated);
    show('user', authenticated ? (await client.getUser()) || '—' : '—');
    if (!authenticated) { show('token', '—'); show('api', '—'); }
    return authenticated;
  }

  function action(fn) {
    return function () {
      showError(null);
      return Promise.resolve().then(fn).catch(function (err) {
        showError(err);
        console.error(err);
      }).then(refreshStatus, refreshStatus);
    };
  }

  async function getToken(cacheMode) {
    var token = await client.getTokenSilently({ cacheMode: cacheMode, authorizationParams: { audience: API_AUDIENCE } });
    show('token', describeToken(token));
    return token;
  }

  $('login').addEventListener('click', action(function () {
    return client.loginWithRedirect({ appState: { returnTo: location.pathname } });
  }));
  $('get-token').addEventListener('click', action(function () { return getToken('on'); }));
  $('force-refresh').addEventListener('click', action(function () { return getToken('off'); }));
  $('call-api').addEventListener('click', action(async function () {
    var token = await getToken('on');
    var res = await fetch(AS + '/api/private', { headers: { authorization: 'Bearer ' + token } });
    var body = await res.text();
    try { body = JSON.parse(body); } catch (e) { /* keep text */ }
    show('api', { status: res.status, body: body });
  }));
  $('logout').addEventListener('click', action(async function () {
    await client.logout({ logoutParams: { returnTo: location.origin + location.pathname } });
  }));
  $('cache-location').addEventListener('change', function (event) {
    var q = new URLSearchParams(location.search);
    q.set('cache', event.target.value);
    q.set('as', AS);
    location.search = q.toString();
  });

  // ---- the authorization server's control API: families, events, replay, ITP ----

  async function control(path, body) {
    var res = await fetch(AS + '/__control/' + path, body === undefined ? {} : {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var text = await res.text();
    var data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error('control API ' + path + ': HTTP ' + res.status + ' ' + text);
    return data;
  }

  function listOf(data, key) {
    if (Array.isArray(data)) return data;
    return (data && Array.isArray(data[key])) ? data[key] : [];
  }

  var renderedFamilies = '';
  function renderFamilies(families) {
    var snapshot = JSON.stringify(families);
    if (snapshot === renderedFamilies) return; // unchanged: keep the DOM (and the buttons under the pointer)
    renderedFamilies = snapshot;
    var root = $('families');
    root.textContent = '';
    if (!families.length) { root.appendChild(el('p', 'muted', 'no families yet: log in')); return; }
    families.slice().sort(function (a, b) { return b.createdAt - a.createdAt; }).forEach(function (family) {
      var box = el('div', 'family family-' + family.status);
      box.dataset.family = family.id;
      box.dataset.status = family.status;
      var head = el('div', 'family-head');
      head.appendChild(el('strong', '', 'family ' + short(family.id)));
      head.appendChild(el('span', 'badge badge-' + family.status, family.status + (family.reason ? ' (' + family.reason + ')' : '')));
      head.appendChild(el('span', 'muted', family.sub + ' · ' + family.rotations + ' rotation' + (family.rotations === 1 ? '' : 's')));
      box.appendChild(head);
      var chain = el('ol', 'chain');
      (family.tokens || []).forEach(function (t) {
        chain.appendChild(el('li', 'token token-' + t.state, short(t.value) + ' ' + t.state));
      });
      box.appendChild(chain);
      if (family.status === 'active' && family.rotations > 0) {
        var replay = el('button', 'danger', 'Simulate attacker replay');
        replay.dataset.testid = 'replay';
        replay.title = 'POST /__control/replay: present an already-rotated refresh token of this family';
        replay.addEventListener('click', function () {
          control('replay', { family: family.id }).then(function (result) {
            logLocal('attacker replayed ' + short(result && result.presented) + ' → HTTP ' + (result && result.status));
            poll();
          }, showError);
        });
        box.appendChild(replay);
      } else if (family.status === 'active') {
        box.appendChild(el('p', 'muted', 'Force a refresh once to have an old token an attacker could replay.'));
      }
      root.appendChild(box);
    });
  }

  function addEvent(text, className) {
    var list = $('events');
    var item = el('li', className || '', text);
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 60) list.removeChild(list.lastChild);
  }

  function logLocal(text) {
    addEvent(new Date().toLocaleTimeString() + '  ' + text, 'local');
  }

  function renderEvents(events) {
    events.forEach(function (e) {
      if (typeof e.seq === 'number') lastEventSeq = Math.max(lastEventSeq, e.seq);
      var parts = [new Date(e.at).toLocaleTimeString(), e.type];
      if (e.grant_type) parts.push(e.grant_type);
      if (e.status) parts.push('HTTP ' + e.status);
      if (e.family) parts.push('family ' + short(e.family));
      if (e.reason) parts.push('(' + e.reason + ')');
      if (e.error) parts.push(e.error);
      if (e.replay) parts.push('[attacker]');
      addEvent(parts.join('  '), 'event event-' + e.type.replace(/[^a-z]/gi, '-'));
    });
  }

  async function poll() {
    try {
      var families = listOf(await control('families'), 'families');
      renderFamilies(families.filter(function (f) { return !f.clientId || f.clientId === 'demo'; }));
      renderEvents(listOf(await control('events?since=' + lastEventSeq), 'events').filter(function (e) {
        return typeof e.seq !== 'number' || e.seq > lastEventSeq;
      }));
      $('server').classList.remove('offline');
    } catch (err) {
      $('server').classList.add('offline');
      renderedFamilies = '';
      $('families').textContent = 'control API unreachable at ' + AS + '/__control/ (' + err.message + ')';
    }
  }

  control('itp').then(function (state) { $('itp').checked = !!(state && state.enabled); }, function () { /* shown by poll */ });
  $('itp').addEventListener('change', function (event) {
    control('itp', { enabled: event.target.checked }).then(function () {
      logLocal('ITP mode ' + (event.target.checked ? 'on' : 'off'));
    }, showError);
  });

  // A second client without refresh tokens: its silent path is the prompt=none iframe, which needs
  // the authorization server's session cookie in a third-party context (what ITP and cookie blocking take away).
  $('iframe-token').addEventListener('click', async function () {
    var out = $('iframe-result');
    out.hidden = false;
    out.textContent = 'running prompt=none in a hidden iframe…';
    try {
      var iframeClient = new rotorAuth.AuthClient({
        domain: AS,
        clientId: 'demo',
        useRefreshTokens: false,
        authorizeTimeoutInSeconds: 10,
        authorizationParams: { redirect_uri: location.origin + location.pathname, audience: API_AUDIENCE },
      });
      var token = await iframeClient.getTokenSilently({ cacheMode: 'off' });
      out.textContent = 'iframe: got an access token ' + short(token) + ' (the session cookie reached the iframe)';
      out.className = 'ok';
    } catch (err) {
      out.textContent = 'iframe: ' + (err.error || err.name) + ' — ' + (err.error_description || err.message) +
        '\n(third-party cookies blocked, ITP mode on, or no session at the server)';
      out.className = 'failed';
    }
    logLocal('silent iframe: ' + out.textContent.split('\n')[0]);
  });

  // ---- start ----

  async function start() {
    client = await rotorAuth.createAuthClient({
      domain: AS,
      clientId: 'demo',
      cacheLocation: settings.cache,
      authorizationParams: {
        redirect_uri: location.origin + location.pathname,
        audience: API_AUDIENCE,
        scope: 'openid profile email',
      },
    });
    var q = new URLSearchParams(location.search);
    if (q.has('code') || q.has('error')) {
      try {
        await client.handleRedirectCallback();
        logLocal('signed in (code exchanged)');
      } catch (err) {
        showError(err);
      }
      history.replaceState(null, '', location.pathname);
    }
    await refreshStatus();
    document.body.dataset.ready = 'true';
  }

  start().catch(function (err) {
    showError(err);
    $('auth-status').textContent = 'failed to start';
    document.body.dataset.ready = 'true';
  });
  poll();
  pollTimer = setInterval(poll, 1000);
  window.addEventListener('pagehide', function () { clearInterval(pollTimer); });
})();

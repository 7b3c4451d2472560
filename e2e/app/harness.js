// The e2e harness: a bare page that uses the script-tag bundle (global `rotorAuth`) the way an
// app would. Config comes from ?config=<json> (kept in sessionStorage for the redirect back).
// Specs drive it through window.e2e: { state, client, login(), attempt(method, args) }.
(function () {
  'use strict';
  var KEY = 'rotor-e2e-config';
  var status = document.getElementById('status');
  var e2e = { state: 'starting', client: undefined, startError: undefined };
  window.e2e = e2e;

  function readConfig() {
    var params = new URLSearchParams(location.search);
    var raw = params.get('config');
    if (raw) {
      sessionStorage.setItem(KEY, raw);
      params.delete('config');
      var rest = params.toString();
      history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    } else {
      raw = sessionStorage.getItem(KEY);
    }
    if (!raw) throw new Error('no harness config: open /?config={"domain":...}');
    return JSON.parse(raw);
  }

  function errorFields(err) {
    return {
      ok: false,
      name: (err && err.name) || 'Error',
      // The exported error classes this error is an instance of (e.g. ['GenericError', 'OAuthError']).
      classes: Object.keys(rotorAuth).filter(function (k) {
        return /Error$/.test(k) && typeof rotorAuth[k] === 'function' && err instanceof rotorAuth[k];
      }),
      error: err && err.error,
      error_description: err && err.error_description,
      message: String((err && err.message) || err),
      // OAuthError / NetworkError fields (absent when undefined).
      status: err && err.status,
      retryAfter: err && err.retryAfter,
    };
  }

  e2e.attempt = function (method, args) {
    var client = e2e.client;
    if (!client || typeof client[method] !== 'function') return Promise.resolve(errorFields(new Error('no client method ' + method)));
    return Promise.resolve()
      .then(function () { return client[method].apply(client, args || []); })
      .then(function (value) { return { ok: true, value: value === undefined ? null : value }; }, errorFields);
  };

  // Calls that run in the background while a spec does something else (e.g. logout during a refresh):
  // start(id, method, args) begins one; settled(id) resolves with its attempt result; done(id) polls.
  var background = {};
  e2e.start = function (id, method, args) {
    var entry = { done: false, result: undefined };
    entry.promise = e2e.attempt(method, args).then(function (r) {
      entry.done = true;
      entry.result = r;
      return r;
    });
    background[id] = entry;
    return true;
  };
  e2e.settled = function (id) {
    return background[id] ? background[id].promise : Promise.resolve(errorFields(new Error('no background call ' + id)));
  };
  e2e.done = function (id) {
    return Boolean(background[id] && background[id].done);
  };

  e2e.login = function (options) {
    return e2e.client.loginWithRedirect(options || {});
  };

  async function start() {
    var config = readConfig();
    var options = Object.assign(
      {
        domain: config.domain,
        clientId: config.clientId || 'demo',
        cacheLocation: config.cacheLocation || 'memory',
        authorizationParams: Object.assign(
          { redirect_uri: location.origin + '/' },
          config.audience ? { audience: config.audience } : {},
        ),
      },
      config.options || {},
    );
    e2e.config = config;
    e2e.client = await rotorAuth.createAuthClient(options);
    var q = new URLSearchParams(location.search);
    if (q.has('code') || q.has('error')) {
      try {
        e2e.callback = { ok: true, value: await e2e.client.handleRedirectCallback() };
      } catch (err) {
        e2e.callback = errorFields(err);
      }
      history.replaceState(null, '', location.pathname);
    }
    e2e.state = 'ready';
    status.textContent = 'ready';
  }

  start().catch(function (err) {
    e2e.state = 'failed';
    e2e.startError = String((err && err.stack) || err);
    status.textContent = 'failed: ' + e2e.startError;
  });
})();

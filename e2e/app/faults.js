// Page-level storage faults for the e2e fault matrix (e2e/faults/), installed with
// page.addInitScript before the harness loads. Black-box: it wraps the browser's own
// localStorage and IndexedDB methods, never the SDK. Specs drive it through
// window.__rotorFaults:
//   arm('read' | 'write', keyPart)  the next localStorage/IndexedDB read (write) of a key
//                                   containing keyPart throws once (DOMException UnknownError)
//   arm('stall', keyPart)           the next IndexedDB read of such a key made while a rotor-auth
//                                   lock (not a rotation marker) is held does not deliver its
//                                   result until releaseStall()
//   fired[kind]                     how many times each armed fault acted
(function () {
  'use strict';
  var f = {
    read: null,
    write: null,
    stall: null,
    fired: { read: 0, write: 0, stall: 0 },
    stalled: false,
    pendingStall: null,
  };
  window.__rotorFaults = f;

  f.arm = function (kind, keyPart) {
    f[kind] = keyPart;
  };
  f.releaseStall = function () {
    var deliver = f.pendingStall;
    f.pendingStall = null;
    if (deliver) deliver();
    return Boolean(deliver);
  };

  function take(kind, key) {
    var part = f[kind];
    if (part === null || typeof key !== 'string' || key.indexOf(part) < 0) return false;
    f[kind] = null;
    f.fired[kind]++;
    return true;
  }
  function injected(kind) {
    return new DOMException('injected ' + kind + ' failure (e2e fault matrix)', 'UnknownError');
  }

  var getItem = Storage.prototype.getItem;
  var setItem = Storage.prototype.setItem;
  Storage.prototype.getItem = function (key) {
    if (this === window.localStorage && take('read', key)) throw injected('read');
    return getItem.call(this, key);
  };
  Storage.prototype.setItem = function (key, value) {
    if (this === window.localStorage && take('write', key)) throw injected('write');
    return setItem.call(this, key, value);
  };

  if (typeof IDBObjectStore === 'undefined') return;
  var get = IDBObjectStore.prototype.get;
  var put = IDBObjectStore.prototype.put;

  function insideRotorLock() {
    if (!navigator.locks || !navigator.locks.query) return Promise.resolve(false);
    return navigator.locks.query().then(function (s) {
      return (s.held || []).some(function (l) {
        return /^rotor-auth:/.test(l.name) && !/:seq:/.test(l.name);
      });
    });
  }

  // A request whose success is delivered later (promisifyRequest-style consumers assign onsuccess/onerror).
  function stallable(real) {
    var fake = {
      result: undefined,
      error: null,
      readyState: 'pending',
      source: real.source,
      transaction: real.transaction,
      onsuccess: null,
      onerror: null,
      oncomplete: null,
      onabort: null,
      addEventListener: function () {},
      removeEventListener: function () {},
    };
    function fire(name) {
      fake.readyState = 'done';
      var handler = fake['on' + name];
      if (typeof handler === 'function') handler.call(fake, { type: name, target: fake });
      if (name === 'success' && typeof fake.oncomplete === 'function' && fake.oncomplete !== handler) fake.oncomplete.call(fake, { type: 'complete', target: fake });
    }
    real.onsuccess = function () {
      var deliver = function () {
        fake.result = real.result;
        fire('success');
      };
      insideRotorLock().then(function (inLock) {
        if (f.stall !== null && inLock) {
          f.stall = null;
          f.fired.stall++;
          f.stalled = true;
          f.pendingStall = deliver;
        } else {
          deliver();
        }
      });
    };
    real.onerror = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      fake.error = real.error;
      fire('error');
    };
    return fake;
  }

  IDBObjectStore.prototype.get = function (key) {
    if (take('read', key)) throw injected('read');
    var real = get.call(this, key);
    if (f.stall !== null && typeof key === 'string' && key.indexOf(f.stall) >= 0) return stallable(real);
    return real;
  };
  IDBObjectStore.prototype.put = function (value, key) {
    if (take('write', key)) throw injected('write');
    return put.apply(this, arguments);
  };
})();

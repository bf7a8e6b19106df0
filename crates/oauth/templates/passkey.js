// The hosted passkey page: asks the browser for an assertion with the request options the server
// put in the form, and posts it back as JSON (AuthenticationResponseJSON). WebAuthn has no
// form-only form, so this page alone needs JavaScript.
(function () {
  'use strict';
  var form = document.getElementById('passkey-form');
  if (!form || !window.PublicKeyCredential) return;
  function b64u(buf) {
    var s = '';
    new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function bytes(s) {
    var b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(b, function (c) { return c.charCodeAt(0); });
  }
  function run() {
    var o = JSON.parse(form.dataset.options);
    o.challenge = bytes(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
    navigator.credentials.get({ publicKey: o }).then(function (cred) {
      var r = cred.response;
      form.elements.credential.value = JSON.stringify({
        id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: b64u(r.clientDataJSON), authenticatorData: b64u(r.authenticatorData),
          signature: b64u(r.signature), userHandle: r.userHandle ? b64u(r.userHandle) : null,
        },
        clientExtensionResults: cred.getClientExtensionResults(),
        authenticatorAttachment: cred.authenticatorAttachment || null,
      });
      form.submit();
    }).catch(function (e) {
      document.getElementById('passkey-status').textContent = 'The passkey was not used (' + e.name + ').';
    });
  }
  document.getElementById('passkey-start').addEventListener('click', run);
})();

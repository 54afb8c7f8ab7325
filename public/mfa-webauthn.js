// Security keys and passkeys (WebAuthn) for admit's MFA pages: fetches the
// options for this sign-in, asks the browser, and posts the answer back in
// the page's form. No inline script: the CSP forbids it.
(function () {
  'use strict';
  var form = document.getElementById('webauthn-form');
  var start = document.getElementById('webauthn-start');
  var output = document.getElementById('webauthn-credential');
  var problem = document.getElementById('webauthn-error');
  if (!form || !start || !output) return;

  function fromBase64url(value) {
    var base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    var padded = base64 + '==='.slice((base64.length + 3) % 4);
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function show(message) {
    if (!problem) return;
    problem.textContent = message;
    problem.hidden = false;
  }

  function publicKeyOptions(options, ceremony) {
    var key = Object.assign({}, options, { challenge: fromBase64url(options.challenge) });
    var credentials = ceremony === 'register' ? 'excludeCredentials' : 'allowCredentials';
    if (Array.isArray(options[credentials])) {
      key[credentials] = options[credentials].map(function (credential) {
        return Object.assign({}, credential, { id: fromBase64url(credential.id) });
      });
    }
    if (ceremony === 'register') key.user = Object.assign({}, options.user, { id: fromBase64url(options.user.id) });
    return key;
  }

  function serialise(credential, ceremony) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (ceremony === 'register') {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
    }
    return json;
  }

  start.addEventListener('click', function () {
    var ceremony = form.getAttribute('data-ceremony');
    var csrf = form.querySelector('input[name="_csrf"]');
    if (!window.PublicKeyCredential) {
      show(form.getAttribute('data-say-unsupported') || 'This browser does not support security keys. Choose another method.');
      return;
    }
    start.disabled = true;
    fetch(form.getAttribute('data-options-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf ? csrf.value : '' }).toString(),
    })
      .then(function (answer) {
        if (!answer.ok) throw new Error('options');
        return answer.json();
      })
      .then(function (options) {
        var publicKey = publicKeyOptions(options, ceremony);
        return ceremony === 'register' ? navigator.credentials.create({ publicKey: publicKey }) : navigator.credentials.get({ publicKey: publicKey });
      })
      .then(function (credential) {
        output.value = JSON.stringify(serialise(credential, ceremony));
        form.submit();
      })
      .catch(function () {
        start.disabled = false;
        show(form.getAttribute('data-say-cancelled') || 'The security key did not answer, or the request was cancelled. Try again, or choose another method.');
      });
  });
})();

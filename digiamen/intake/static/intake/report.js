// Progressive enhancement of the report flow; everything works without it.
(function () {
  "use strict";
  // 1. Show only the regions of the chosen country.
  var country = document.querySelector("select[name=country]");
  var area = document.querySelector("select[name=admin1]");
  function narrow() {
    var code = country.value;
    Array.prototype.forEach.call(area.options, function (option) {
      var show = !code || !option.value || option.value.indexOf(code + "-") === 0;
      option.hidden = !show;
      option.disabled = !show;
    });
    Array.prototype.forEach.call(area.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
    });
    if (area.selectedOptions.length && area.selectedOptions[0].disabled) { area.value = ""; }
  }
  if (country && area) { country.addEventListener("change", narrow); narrow(); }

  // 2. Proof of work on the review page: a larger sending allowance for shared connections.
  var proof = document.querySelector("input[name=pow]");
  var draft = document.querySelector("input[name=draft]");
  if (!proof || !draft || !window.crypto || !window.crypto.subtle) { return; }
  var bits = parseInt(proof.getAttribute("data-bits"), 10);
  var encoder = new TextEncoder();
  function zeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      return count + Math.clz32(bytes[i]) - 24;
    }
    return count;
  }
  var nonce = 0;
  function batch() {
    var tries = [];
    for (var i = 0; i < 256; i++, nonce++) {
      tries.push(window.crypto.subtle.digest("SHA-256", encoder.encode(draft.value + ":" + nonce)));
    }
    var first = nonce - 256;
    Promise.all(tries).then(function (digests) {
      for (var j = 0; j < digests.length; j++) {
        if (zeroBits(new Uint8Array(digests[j])) >= bits) { proof.value = String(first + j); return; }
      }
      if (nonce < 1 << 24) { setTimeout(batch, 0); }
    });
  }
  batch();
})();

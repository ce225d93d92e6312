// Fingerprints of a picture made on the reporter's own device: PDQ (with its quality), MD5
// and SHA-256. Only these leave the phone: the file input is disabled before the form is
// sent. Written for this project from the published descriptions of the algorithms.
(function (root) {
  "use strict";

  // --- PDQ ---------------------------------------------------------------------------------
  var BOX = 512; // PDQ's reference scales every picture into 512 x 512 first
  var DCT = (function () {
    var matrix = new Float64Array(16 * 64);
    var scale = Math.sqrt(2 / 64);
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < 64; j++) {
        matrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
      }
    }
    return matrix;
  })();

  // Luma of RGBA pixels, averaged over boxes into at most 512 x 512.
  function lumaInBox(rgba, width, height) {
    var outWidth = width, outHeight = height;
    if (width > BOX || height > BOX) {
      if (width >= height) { outWidth = BOX; outHeight = Math.max(1, Math.round(height * BOX / width)); }
      else { outHeight = BOX; outWidth = Math.max(1, Math.round(width * BOX / height)); }
    }
    var luma = new Float64Array(width * height);
    for (var p = 0, q = 0; p < luma.length; p++, q += 4) {
      luma[p] = 0.299 * rgba[q] + 0.587 * rgba[q + 1] + 0.114 * rgba[q + 2];
    }
    if (outWidth === width && outHeight === height) { return { luma: luma, width: width, height: height }; }
    var out = new Float64Array(outWidth * outHeight);
    var sx = width / outWidth, sy = height / outHeight;
    for (var y = 0; y < outHeight; y++) {
      var y0 = y * sy, y1 = y0 + sy;
      for (var x = 0; x < outWidth; x++) {
        var x0 = x * sx, x1 = x0 + sx, sum = 0, weight = 0;
        for (var yy = Math.floor(y0); yy < Math.min(height, Math.ceil(y1)); yy++) {
          var wy = Math.min(yy + 1, y1) - Math.max(yy, y0);
          for (var xx = Math.floor(x0); xx < Math.min(width, Math.ceil(x1)); xx++) {
            var w = wy * (Math.min(xx + 1, x1) - Math.max(xx, x0));
            sum += w * luma[yy * width + xx];
            weight += w;
          }
        }
        out[y * outWidth + x] = sum / weight;
      }
    }
    return { luma: out, width: outWidth, height: outHeight };
  }

  // A moving average centred on each sample (window as in PDQ's Jarosz filter).
  function box1d(input, output, start, length, stride, window) {
    var half = Math.floor((window + 2) / 2);
    var sum = 0, count = 0, left = start, right = start, out = start, i;
    for (i = 0; i < half - 1; i++) { sum += input[right]; count++; right += stride; }
    for (i = 0; i < window - half + 1; i++) {
      sum += input[right]; count++; output[out] = sum / count; right += stride; out += stride;
    }
    for (i = 0; i < length - window; i++) {
      sum += input[right] - input[left]; output[out] = sum / count;
      left += stride; right += stride; out += stride;
    }
    for (i = 0; i < half - 1; i++) {
      sum -= input[left]; count--; output[out] = sum / count; left += stride; out += stride;
    }
  }

  function windowSize(oldSize, newSize) {
    return Math.floor((oldSize + 2 * newSize - 1) / (2 * newSize));
  }

  function pdqFromLuma(luma, width, height) {
    var alongRows = windowSize(width, 64), alongCols = windowSize(height, 64);
    var a = luma, b = new Float64Array(luma.length), r, c, pass;
    for (pass = 0; pass < 2; pass++) {
      for (r = 0; r < height; r++) { box1d(a, b, r * width, width, 1, alongRows); }
      for (c = 0; c < width; c++) { box1d(b, a, c, height, width, alongCols); }
    }
    var small = new Float64Array(64 * 64);
    for (r = 0; r < 64; r++) {
      var row = Math.floor((r + 0.5) * height / 64);
      for (c = 0; c < 64; c++) { small[r * 64 + c] = a[row * width + Math.floor((c + 0.5) * width / 64)]; }
    }
    var gradient = 0;
    for (r = 0; r < 63; r++) {
      for (c = 0; c < 64; c++) {
        gradient += Math.abs(Math.trunc((small[r * 64 + c] - small[(r + 1) * 64 + c]) * 100 / 255));
      }
    }
    for (r = 0; r < 64; r++) {
      for (c = 0; c < 63; c++) {
        gradient += Math.abs(Math.trunc((small[r * 64 + c] - small[r * 64 + c + 1]) * 100 / 255));
      }
    }
    var quality = Math.min(100, Math.floor(gradient / 90));
    var half = new Float64Array(16 * 64), i, j, k, sum;
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 64; j++) {
        for (sum = 0, k = 0; k < 64; k++) { sum += DCT[i * 64 + k] * small[k * 64 + j]; }
        half[i * 64 + j] = sum;
      }
    }
    var coefficients = new Float64Array(256);
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        for (sum = 0, k = 0; k < 64; k++) { sum += half[i * 64 + k] * DCT[j * 64 + k]; }
        coefficients[i * 16 + j] = sum;
      }
    }
    var median = Array.prototype.slice.call(coefficients).sort(function (x, y) { return x - y; })[127];
    var hex = "";
    for (var word = 15; word >= 0; word--) {
      var value = 0;
      for (var bit = 15; bit >= 0; bit--) { value = (value << 1) | (coefficients[word * 16 + bit] > median ? 1 : 0); }
      hex += ("000" + value.toString(16)).slice(-4);
    }
    return { pdq: hex, quality: quality };
  }

  function pdqFromRgba(rgba, width, height) {
    var boxed = lumaInBox(rgba, width, height);
    return pdqFromLuma(boxed.luma, boxed.width, boxed.height);
  }

  // --- MD5 (RFC 1321) ----------------------------------------------------------------------
  var MD5_SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var MD5_K = (function () {
    var k = new Int32Array(64);
    for (var i = 0; i < 64; i++) { k[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0; }
    return k;
  })();

  function padded(bytes, bigEndian) {
    var length = bytes.length, total = (((length + 8) >> 6) + 1) << 6;
    var out = new Uint8Array(total);
    out.set(bytes);
    out[length] = 0x80;
    var bitsLow = (length << 3) >>> 0, bitsHigh = Math.floor(length / 536870912) >>> 0;
    var view = new DataView(out.buffer);
    if (bigEndian) { view.setUint32(total - 8, bitsHigh); view.setUint32(total - 4, bitsLow); }
    else { view.setUint32(total - 8, bitsLow, true); view.setUint32(total - 4, bitsHigh, true); }
    return view;
  }

  function md5(bytes) {
    var view = padded(bytes, false), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
    var m = new Int32Array(16);
    for (var offset = 0; offset < view.byteLength; offset += 64) {
      for (var w = 0; w < 16; w++) { m[w] = view.getInt32(offset + w * 4, true); }
      var a = h[0], b = h[1], c = h[2], d = h[3];
      for (var i = 0; i < 64; i++) {
        var f, g, round = i >> 4;
        if (round === 0) { f = (b & c) | (~b & d); g = i; }
        else if (round === 1) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (round === 2) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        var s = MD5_SHIFTS[(round << 2) | (i & 3)];
        var sum = (a + f + MD5_K[i] + m[g]) | 0;
        a = d; d = c; c = b;
        b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    }
    var out = new DataView(new ArrayBuffer(16));
    for (var j = 0; j < 4; j++) { out.setInt32(j * 4, h[j], true); }
    return toHex(new Uint8Array(out.buffer));
  }

  // --- SHA-256 (FIPS 180-4), for browsers without crypto.subtle --------------------------------
  var SHA_K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function sha256(bytes) {
    var view = padded(bytes, true);
    var h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var w = new Int32Array(64);
    for (var offset = 0; offset < view.byteLength; offset += 64) {
      var i;
      for (i = 0; i < 16; i++) { w[i] = view.getInt32(offset + i * 4); }
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new DataView(new ArrayBuffer(32));
    for (var j = 0; j < 8; j++) { out.setInt32(j * 4, h[j]); }
    return toHex(new Uint8Array(out.buffer));
  }

  function toHex(bytes) {
    var hex = "";
    for (var i = 0; i < bytes.length; i++) { hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return hex;
  }

  // --- Pictures ----------------------------------------------------------------------------
  function pixelsOf(blob) {
    return createImageBitmap(blob, { imageOrientation: "none" }).then(function (bitmap) {
      var canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
      return context.getImageData(0, 0, canvas.width, canvas.height);
    });
  }

  function hashFile(file) {
    return file.arrayBuffer().then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      var digest = root.crypto && root.crypto.subtle
        ? root.crypto.subtle.digest("SHA-256", bytes).then(function (d) { return toHex(new Uint8Array(d)); })
        : Promise.resolve(sha256(bytes));
      return Promise.all([pixelsOf(file), digest]).then(function (results) {
        var image = results[0];
        var pdq = pdqFromRgba(image.data, image.width, image.height);
        return { pdq: pdq.pdq, quality: pdq.quality, md5: md5(bytes), sha256: results[1] };
      });
    });
  }

  root.DigiAmenImageHash = { pdqFromRgba: pdqFromRgba, md5: md5, sha256: sha256, hashFile: hashFile };

  // --- The form ----------------------------------------------------------------------------
  if (typeof document === "undefined") { return; }
  var form = document.querySelector("[data-image-hash-form]");
  if (!form || !root.createImageBitmap || !root.Promise) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-with-script]"), function (e) { e.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll("[data-without-script]"), function (e) { e.hidden = true; });
  var input = form.querySelector("input[type=file]");
  var field = form.querySelector("input[name=image_hashes]");
  var status = form.querySelector("[data-hash-status]");
  function message(key) {
    var node = form.querySelector("template[data-messages]").content.querySelector("[data-key=" + key + "]");
    return node ? node.textContent : "";
  }
  function sendWith(action) {
    input.disabled = true; // a disabled input is never sent: the picture stays on the phone
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "action"; hidden.value = action;
    form.appendChild(hidden);
    form.submit();
  }
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var action = submitter ? submitter.value : "attach";
    event.preventDefault();
    if (action !== "attach" || !input.files.length) { sendWith(action); return; }
    var files = Array.prototype.slice.call(input.files, 0, 5);
    status.textContent = message("working");
    Promise.all(files.map(hashFile)).then(function (hashes) {
      field.value = JSON.stringify(hashes);
      sendWith("attach");
    }, function () {
      status.textContent = message("failed");
      input.value = "";
    });
  });
})(typeof window !== "undefined" ? window : globalThis);

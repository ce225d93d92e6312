"""Budget: each public page of the report flow at most 20 KB transferred (compressed,
everything included); the whole report on emulated 2G (250 kbit/s, 300 ms round trip) in
under 10 s of network time.

The flow is walked on a real server. For each page: response headers + gzip of the body,
plus the stylesheet and script on the first page (then cached). Network time per request
= one round trip + request bytes up + response bytes down at 250 kbit/s; the first request
adds TCP and TLS 1.3 handshakes (two round trips).
"""

from __future__ import annotations

import gzip
import re
import urllib.parse
import urllib.request
from typing import Any

from bench.harness import record_budget
from bench.server import served

BANDWIDTH_BYTES_PER_S = 250_000 / 8
RTT = 0.3
BUDGET_BYTES = 20 * 1024
STEPS: list[dict[str, Any]] = [
    {"reporter_type": "child"},
    {"harm_types": ["sexual_extortion"]},
    {"platforms": ["instagram"], "country": "TN", "admin1": "TN-61", "locality": "urban"},
    {"age_band": "12_14", "sex": "female", "disability": "no"},
    {"narrative": "He says he will send my photos to my class unless I pay. " * 20},
    {"contact_method": "receipt"},
    {"consent_statistics": "on"},
]


def fetch(url: str, data: bytes | None = None) -> tuple[bytes, int, int]:
    """Body, compressed response bytes (headers + gzip body), request bytes."""
    request = urllib.request.Request(url, data, {"Accept-Encoding": "gzip"})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request) as response:
        raw = response.read()
        headers = str(response.headers).encode()
        body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
    compressed = len(headers) + len(gzip.compress(body, 9))
    request_bytes = len(url) + 400 + len(data or b"")
    return body, compressed, request_bytes


def main() -> None:
    with served(workers=1, threads=4) as base:
        rows: list[tuple[str, int]] = []
        network = 2 * RTT  # TCP + TLS 1.3 handshakes on the first request
        path = base + "/ar/report/"
        html, size, up = fetch(path)
        assets = 0
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html.decode()):
            _body, asset_size, asset_up = fetch(base + asset)
            assets += asset_size
            network += RTT + (asset_up + asset_size) / BANDWIDTH_BYTES_PER_S
        rows.append(("step 1 (+ stylesheet and script)", size + assets))
        network += RTT + (up + size) / BANDWIDTH_BYTES_PER_S
        key, value = "start", re.search(r'name="start" value="([^"]+)"', html.decode()).group(1)  # type: ignore[union-attr]
        for number, answers in enumerate([*STEPS, {"__send__": True}], start=2):
            fields = {key: value, "action": "send" if "__send__" in answers else "next"}
            fields.update({k: v for k, v in answers.items() if k != "__send__"})
            data = urllib.parse.urlencode(fields, doseq=True).encode()
            try:
                html, size, up = fetch(path, data)
            except urllib.error.HTTPError as error:
                html, size, up = error.read(), 0, len(data)
            label = "receipt page" if "__send__" in answers else f"step {number}"
            rows.append((label, size))
            network += RTT + (up + size) / BANDWIDTH_BYTES_PER_S
            match = re.search(r'name="draft" value="([^"]+)"', html.decode())
            if match:
                key, value = "draft", match.group(1)
        for label, size in rows:
            flag = "ok" if size <= BUDGET_BYTES else "OVER BUDGET"
            share = size / BUDGET_BYTES
            print(f"   {label:<36} {size / 1024:6.1f} KB  ({share:4.0%} of 20 KB) {flag}")
        print(
            f"   whole report on emulated 2G: {network:5.2f} s of network time "
            f"({network / 10:4.0%} of the 10 s budget), {len(rows)} pages"
        )
        largest_label, largest = max(rows, key=lambda row: row[1])
        record_budget(
            f"report flow: largest page ({largest_label})",
            round(largest / 1024, 1),
            BUDGET_BYTES / 1024,
            "KB",
        )
        record_budget("report flow: whole report on emulated 2G", round(network, 2), 10, "s")

"""Every page in every language: lang and dir, security headers, nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from digiamen.conftest import World
from digiamen.core.middleware import CONTENT_SECURITY_POLICY
from digiamen.core.tests.pages import rendered_pages

LANGUAGES = ["ar", "fr", "en"]
EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|object|embed)\b[^>]*\b(?:src|href)=\"(?:https?:)?//",
    re.IGNORECASE,
)


def english_sentences(language: str) -> list[str]:
    """Project strings that must not appear untranslated on a page in ``language``."""
    import html as html_module

    import polib

    po = polib.pofile(
        str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po")
    )
    return [
        html_module.escape(e.msgid)
        for e in po
        if len(e.msgid) >= 12 and "%(" not in e.msgid and e.msgstr != e.msgid
    ]


def test_every_page_in_every_language(world: World) -> None:
    untranslated = {language: english_sentences(language) for language in ("ar", "fr")}
    seen = 0
    for page, language, response in rendered_pages(world, LANGUAGES):
        where = f"/{language}{page.path} as {page.who}"
        expected = 404 if page.path == "/no-such-page/" else 200
        assert response.status_code == expected, where
        html = response.content.decode()
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in html, where
        assert 'class="quick-exit"' in html, where
        assert not EXTERNAL_RESOURCE.search(html), where
        assert "<script>" not in html and " style=" not in html, where  # CSP: no inline code
        assert response["Cache-Control"].startswith("no-store"), where
        # The browser tab's title is words: one title, no markup in it.
        head = html.split("</head>", 1)[0]
        titles = re.findall(r"<title>(.*?)</title>", head, flags=re.S)
        assert len(titles) == 1 and "<" not in titles[0] and titles[0].strip(), where
        # Field names and ids are code, not text: "id_accessibility" is not an English word.
        text = re.sub(r'\b(?:id|for|name|class|value)="[^"]*"', "", html)
        # A textarea holds data being edited (the questions in all three languages), not UI.
        text = re.sub(r"<textarea[^>]*>.*?</textarea>", "", text, flags=re.S)
        for sentence in untranslated.get(language, []):
            # Whole words: "confidential" is not untranslated inside "confidentialité".
            if sentence in text:
                whole = re.search(rf"(?<!\w){re.escape(sentence)}(?!\w)", text)
                assert whole is None, f"{where}: untranslated {sentence!r}"
        seen += 1
    assert seen == 95 * 3


def test_security_headers_on_pages_and_api(client: Client, world: World) -> None:
    for url in ["/en/", "/ar/staff/login/", "/api/v1/openapi.json", "/fr/no-such-page/"]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store, max-age=0"


def test_static_files_are_cacheable_and_local(client: Client, db: None) -> None:
    response = client.get("/static/core/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    css = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "url(" not in css and "@import" not in css
    # Logical properties only: no physical left/right that would break right-to-left.
    assert not re.search(
        r"(margin|padding|border)-(left|right)|text-align:\s*(left|right)|"
        r"\bfloat:\s*(left|right)|\b(left|right):",
        css,
    )


def test_hsts_and_secure_cookies_when_https(world: World) -> None:
    from django.test import override_settings

    with override_settings(
        SECURE_HSTS_SECONDS=63072000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="__Host-session",
        CSRF_COOKIE_NAME="__Host-csrf",
    ):
        client = Client()
        response = client.get("/en/staff/login/", secure=True)
        assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
        cookie = response.cookies["__Host-csrf"]
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_quick_exit_script_replaces_history(db: None) -> None:
    script = (Path(settings.BASE_DIR) / "digiamen/core/static/core/quick-exit.js").read_text()
    assert "location.replace" in script


@pytest.mark.parametrize("language", LANGUAGES)
def test_root_redirects_to_a_language(client: Client, db: None, language: str) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302 and response["Location"] == f"/{language}/"


def test_language_switcher_keeps_the_page(client: Client, db: None) -> None:
    html = client.get("/fr/staff/login/").content.decode()
    assert 'href="/ar/staff/login/"' in html and 'href="/en/staff/login/"' in html

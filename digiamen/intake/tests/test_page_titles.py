"""Tab titles name the step and say when something is wrong (screen readers read the title
first when a page loads): "Step 2 of 8: What happened? · Digi-Amen"."""

from __future__ import annotations

import re

from django.test import Client


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert found
    return found.group(1).strip()


def test_each_step_of_the_report_names_itself_in_the_tab(db: None) -> None:
    client = Client()
    first = client.get("/en/report/").content.decode()
    assert title_of(first) == "Step 1 of 8: Who is reporting? · Digi-Amen"
    token = re.search(r'name="start" value="([^"]+)"', first)
    assert token
    second = client.post("/en/report/", {"start": token.group(1), "action": "next"})
    assert title_of(second.content.decode()) == "Step 2 of 8: What happened? · Digi-Amen"
    draft = re.search(r'name="draft" value="([^"]+)"', second.content.decode())
    assert draft
    # Nothing ticked: the step says so, and so does the tab.
    refused = client.post("/en/report/", {"draft": draft.group(1), "action": "next"})
    assert refused.status_code == 400
    assert title_of(refused.content.decode()) == "Error: Step 2 of 8: What happened? · Digi-Amen"
    french = title_of(client.get("/fr/report/").content.decode())
    assert french.startswith("Étape 1 sur 8") and "Qui" in french
    assert title_of(client.get("/ar/report/").content.decode()).startswith("الخطوة 1 من 8")


def test_the_other_public_pages_have_their_own_titles(db: None) -> None:
    client = Client()
    titles = {
        title_of(client.get(f"/en/{path}").content.decode())
        for path in ["advice/", "followup/", "no-such-page/"]
    }
    assert len(titles) == 3 and "Digi-Amen" not in titles

"""Publisher texts: a sidecar's contact and disclaimer replace the defaults in the API, the page and the console."""

import io
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console

from api.main import create_app
from api.settings import ApiSettings
from cli.console import render_answer
from qa.documents import load_corpus
from qa.index import Index
from qa.publisher import publisher_texts
from tests.conftest import ARTICLE, private_copy

DEFAULT_PHONE, DEFAULT_TEL = "1-800-227-2345", "tel:18002272345"
CONTACT = {"name": "Test Foundation nurse line", "phone": "1-555-010-0199", "hours": "Weekdays, 9 am - 5 pm ET"}
TEL = "tel:15550100199"  # derived from the new phone: the sidecar gives none
DISCLAIMER = "General information from the Test Foundation, not medical advice; ask your doctor."


def with_contact(copy: ApiSettings) -> ApiSettings:
    """The copy's article sidecar with another publisher's helpline and disclaimer."""
    sidecar = copy.corpus / ARTICLE.with_suffix(".meta.json").name
    meta: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps({**meta, "contact": CONTACT, "disclaimer": DISCLAIMER}), encoding="utf-8")
    return copy


def test_without_a_sidecar_contact_the_texts_are_the_settings_defaults(settings: ApiSettings, index: Index) -> None:
    texts = publisher_texts(index.corpus, settings)
    assert texts.helpline == settings.helpline.card()
    assert (texts.helpline["phone"], texts.helpline["tel"]) == (DEFAULT_PHONE, DEFAULT_TEL)
    assert texts.disclaimer == settings.disclaimer
    assert all(DEFAULT_PHONE in message for status, message in texts.messages.items() if status != "answered")


def test_a_sidecar_contact_replaces_the_helpline_in_every_text_naming_it(settings: ApiSettings, tmp_path: Path) -> None:
    copy = with_contact(private_copy(tmp_path, settings))
    texts = publisher_texts(load_corpus(copy.corpus), copy)
    assert texts.helpline == {**CONTACT, "tel": TEL}
    assert texts.disclaimer == DISCLAIMER
    phoned = [
        texts.messages["related"],
        texts.messages["not_found"],
        texts.smalltalk_reply("en", "en"),
        texts.missing_list,
        texts.urgent_care("emergency", "en", "en").message,
        texts.no_documents_reply("es", "en")[0],
    ]
    assert all(CONTACT["phone"] in text and DEFAULT_PHONE not in text for text in phoned), phoned
    # The reply in a language with a translated disclaimer keeps it; others carry the corpus's.
    assert texts.no_documents_reply("fr", "en")[1] == DISCLAIMER


def test_changing_the_sidecar_helpline_changes_the_api_the_page_and_the_console(
    settings: ApiSettings, index: Index, tmp_path: Path
) -> None:
    copy = with_contact(private_copy(tmp_path, settings))
    with TestClient(create_app(copy)) as client:
        answer = client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"}).json()
        refused = client.post("/v1/ask", json={"question": "How do I unclog a bathroom sink?"}).json()
        page = client.get("/").text
    assert answer["answered"] and answer["helpline"] == {**CONTACT, "tel": TEL}
    assert answer["disclaimer"] == DISCLAIMER
    assert CONTACT["phone"] in refused["message"] and DEFAULT_PHONE not in refused["message"]

    assert f'<a class="tel" href="{TEL}">{CONTACT["phone"]}</a>' in page
    assert f'data-helpline-phone="{CONTACT["phone"]}" data-helpline-tel="{TEL}"' in page
    assert DEFAULT_PHONE not in page and DEFAULT_TEL not in page

    console = Console(file=io.StringIO(), width=400)
    render_answer(answer, console)
    printed = " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]
    assert printed.endswith(f"{DISCLAIMER} Helpline {CONTACT['phone']} · {CONTACT['hours']}")
    assert DEFAULT_PHONE not in printed

"""The publisher's settings: the helpline, the disclaimer, urgent-care advice and the service's replies."""

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from qa.settings.base import SETTINGS_CONFIG

_HELP = "call {phone} any time, day or night, or use live chat on weekdays, 7:00 am - 6:30 pm CT."


class Helpline(BaseModel):
    """Who answers when the passages cannot: every answer names them."""

    name: str
    phone: str
    tel: str = Field("", description="Tap-to-call link; empty means tel: and the phone's digits.")
    hours: str

    def card(self) -> dict[str, str]:
        """Name, phone, tel link and hours, as answers carry them."""
        tel = self.tel or "tel:" + "".join(ch for ch in self.phone if ch.isdigit())
        return {"name": self.name, "phone": self.phone, "tel": tel, "hours": self.hours}


def default_helpline() -> Helpline:
    """The American Cancer Society cancer helpline, 1-800-227-2345 (phone 24/7; live chat on weekdays)."""
    return Helpline(
        name="American Cancer Society cancer helpline",
        phone="1-800-227-2345",
        tel="tel:18002272345",
        hours="Phone 24/7; live chat weekdays, 7:00 am - 6:30 pm CT",
    )


class PublisherSettings(BaseSettings):
    """The publisher's texts: the helpline, the disclaimer, urgent-care advice and every reply."""

    model_config = SETTINGS_CONFIG

    emergency_phone: str = Field("911", description="The emergency number urgent-care advice gives (tap-to-call).")
    urgent_care: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "en": {
                "emergency": "This may be an emergency. Call 911 or go to the nearest emergency room now. Tell them"
                " you are being treated for cancer. Then let your cancer care team know. The cancer helpline, {phone},"
                " is open 24/7 too.",
                "care_team": "Call your cancer care team right away, day or night: during cancer treatment this can"
                " be a sign of a serious problem that needs care now. If you cannot reach them, call 911 or go to"
                " the emergency room. The cancer helpline, {phone}, is open 24/7 too.",
                "crisis": "If you are thinking about harming yourself, please call or text 988 (Suicide & Crisis"
                " Lifeline) now, or call 911 if you are in danger. You are not alone. The cancer helpline, {phone}, is"
                " open 24/7 too.",
            },
            "es": {
                "emergency": "Esto puede ser una emergencia. Llame al 911 o vaya a la sala de emergencias más"
                " cercana ahora. Diga que recibe tratamiento contra el cáncer y avise luego a su equipo de atención.",
                "care_team": "Llame a su equipo de atención del cáncer ahora mismo, de día o de noche: durante el"
                " tratamiento esto puede ser señal de un problema grave. Si no logra comunicarse, llame al 911. También"
                " puede llamar al {phone}, a cualquier hora.",
                "crisis": "Si piensa en hacerse daño, llame o envíe un mensaje de texto al 988 ahora, o llame al 911"
                " si está en peligro. No está solo.",
            },
        },
        description="Advice shown first when a question describes a possibly urgent situation, by language and level"
        " (emergency, care_team, crisis); a document's sidecar `urgent_care` replaces it for its language.",
    )
    smalltalk_reply: dict[str, str] = Field(
        default_factory=lambda: {
            "en": "I find the passages of our cancer information that answer your questions, word for word. Ask a"
            " question in your own words, for example: “What are the side effects of immunotherapy?” To talk to a"
            " person, call the cancer helpline at {phone}, any time, day or night.",
            "es": "Busco en nuestra información sobre el cáncer los pasajes que responden a sus preguntas, palabra por"
            " palabra. Para hablar con una persona, llame al {phone}, a cualquier hora del día o de la noche.",
        },
        description="The reply to greetings, thanks and questions about the service, by language; a sidecar's"
        " `smalltalk_reply` replaces it for its document's language. {phone} is the helpline's number.",
    )
    missing_list_note: str = Field(
        "The original article has a list here that this copy does not include. Your care team or the cancer"
        " helpline ({phone}) can tell you what it says.",
        description="Shown with a passage that ends on a lead-in (':') whose list is not in the source text.",
    )
    helpline: Helpline = Field(
        default_factory=default_helpline,
        description="The human fallback every answer names (JSON: name, phone, hours, and tel, which defaults to"
        " tel: and the phone's digits); a document's sidecar `contact` replaces any of them. {phone} in the"
        " publisher's texts is its phone.",
    )
    disclaimer: str = Field(
        "This service quotes its sources word for word and gives general information, not medical advice. "
        "Please review any information with your doctor, who knows your situation.",
        description="Shown with every answer; a document's sidecar `disclaimer` replaces it.",
    )
    status_messages: dict[str, str] = Field(
        default_factory=lambda: {
            "answered": "Here are the passages from our sources that best match your question, best first.",
            "related": "Our article does not answer this question. These are the passages closest to your question;"
            " they are about its subject but do not answer it. Your care team or the helpline can answer it: " + _HELP,
            "not_found": "We could not find an answer to that question in our cancer information. "
            "A trained cancer information specialist can help: " + _HELP,
        },
        description="The message of each outcome (answered, related, not_found); a document's sidecar"
        " `status_messages` replaces any of them. {phone} is the helpline's number.",
    )
    no_documents_message: dict[str, str] = Field(
        default_factory=lambda: {
            "en": "We have no cancer information in the language of your question yet. "
            "A trained cancer information specialist can help: call {phone} any time, day or night.",
            "es": "Lo sentimos: todavía no tenemos información sobre el cáncer en español, así que no podemos"
            " responder a su pregunta. Un especialista en información sobre el cáncer puede ayudarle: llame al"
            " {phone}, a cualquier hora del día o de la noche.",
        },
        description="The reply when the corpus has no document in the question's language, by language"
        " (else in document_language). {phone} is the helpline's number.",
    )
    translated_disclaimer: dict[str, str] = Field(
        default_factory=lambda: {
            "es": "Este servicio cita sus fuentes palabra por palabra y ofrece información general, no consejo"
            " médico. Hable de cualquier información con su médico, que conoce su situación.",
        },
        description="The disclaimer, by language, of that reply; in other languages it carries `disclaimer`.",
    )
    urgency_model: Path | None = Field(
        None,
        description="The urgency check's embedding model, written by `python -m evaluation.urgency_fit PATH`;"
        " default: the packaged one (qa/urgency.json).",
    )

"""Safety advice, in words for children, per harm type. Reviewed for tone: never blaming."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from digiamen.core.taxonomy import HarmType


@dataclass(frozen=True)
class Advice:
    title: Promise
    steps: tuple[Promise, ...]


# A screenshot of a chat in which a child's sexual picture appears is itself such a picture:
# where sexual images may be involved, children keep names, links and dates, never images
# (as child-protection hotlines advise).
KEEP_EVIDENCE = _(
    "Do not delete the messages. Keep the chat, and write down the account name, the "
    "profile link and the dates: they help us stop this person."
)
NO_PICTURES = _(
    "If there are sexual pictures or videos, do not take screenshots of them, and do not "
    "save or forward them: we can help without them."
)
KEEP_WITHOUT_PICTURES = (KEEP_EVIDENCE, NO_PICTURES)
BLOCK_AND_REPORT = _("Block the account and report it to the app (use “Report” on the profile).")
TRUSTED_ADULT = _("Tell an adult you trust: a parent, a relative, a teacher or a counsellor.")

ADVICE: dict[str, Advice] = {
    HarmType.SEXUAL_EXTORTION: Advice(
        _("If someone threatens to share pictures of you"),
        (
            _("Do not pay and do not send anything more. Paying almost never makes it stop."),
            _("Stop answering. You do not have to reply to threats."),
            *KEEP_WITHOUT_PICTURES,
            BLOCK_AND_REPORT,
            TRUSTED_ADULT,
            _("We can help ask the apps to remove the pictures, without you sending them to us."),
        ),
    ),
    HarmType.ONLINE_GROOMING: Advice(
        _("If someone online is getting too close"),
        (
            _("A real friend does not ask you to keep secrets from your family or to send photos."),
            _("Do not meet this person. If a meeting is planned, tell an adult now."),
            *KEEP_WITHOUT_PICTURES,
            BLOCK_AND_REPORT,
            TRUSTED_ADULT,
        ),
    ),
    HarmType.NON_CONSENSUAL_IMAGE_SHARING: Advice(
        _("If a private picture of you was shared"),
        (
            _("It is not your fault, even if you took the picture yourself."),
            _("Do not share it further, and ask friends not to share it."),
            *KEEP_WITHOUT_PICTURES,
            _("Report the picture to the app where you saw it."),
            _("We can help ask the apps to remove it, without you sending it to us."),
            TRUSTED_ADULT,
        ),
    ),
    HarmType.CSAM: Advice(
        _("If you saw sexual pictures or videos of children"),
        (
            _(
                "Do not download, save or forward them, not even to report them: that is a "
                "crime in itself."
            ),
            _("Write down where you saw them (the link or the account name) and tell us."),
            _("Report the content to the app or website."),
            _("If what you saw upset you, talking to a counsellor helps."),
        ),
    ),
    HarmType.LIVE_STREAMED_ABUSE: Advice(
        _("If a child was made to do sexual things on a video call"),
        (
            _("If a child is in danger right now, call the police or a child helpline."),
            _("Do not record or share the video."),
            _("Write down the account names, the app and the time, and tell us."),
            TRUSTED_ADULT,
        ),
    ),
    HarmType.ONLINE_COMMERCIAL_SEXUAL_EXPLOITATION: Advice(
        _("If someone offers money or gifts for sexual things"),
        (
            _("Nobody has the right to ask you for sexual things, whatever they pay or give."),
            _("Stop answering and do not meet this person."),
            *KEEP_WITHOUT_PICTURES,
            BLOCK_AND_REPORT,
            TRUSTED_ADULT,
        ),
    ),
    HarmType.FAKE_OPPORTUNITY_EXPLOITATION: Advice(
        _("If an offer of fame, work or money turned into something else"),
        (
            _(
                "Real modelling agencies, employers and games never ask children for sexual "
                "pictures."
            ),
            _("Do not send documents, pictures or money."),
            *KEEP_WITHOUT_PICTURES,
            BLOCK_AND_REPORT,
            TRUSTED_ADULT,
        ),
    ),
    HarmType.EXPOSURE_TO_SEXUAL_CONTENT: Advice(
        _("If someone sent you sexual things you did not want"),
        (
            _("You did nothing wrong. Close it and do not answer."),
            BLOCK_AND_REPORT,
            _("If an adult sent it, tell us: it can be the start of grooming."),
            TRUSTED_ADULT,
        ),
    ),
    HarmType.CYBERBULLYING: Advice(
        _("If someone bullies you online"),
        (
            _("Do not answer back: bullies want a reaction."),
            KEEP_EVIDENCE,
            BLOCK_AND_REPORT,
            _("Make your accounts private and check who can see your posts."),
            TRUSTED_ADULT,
        ),
    ),
    HarmType.ONLINE_RADICALISATION: Advice(
        _("If someone pushes you towards violence or hatred"),
        (
            _("You can say no and leave the group or the chat."),
            _("Do not share their videos or messages."),
            KEEP_EVIDENCE,
            TRUSTED_ADULT,
        ),
    ),
}

GENERAL = Advice(
    _("What you can do now"),
    (*KEEP_WITHOUT_PICTURES, BLOCK_AND_REPORT, TRUSTED_ADULT),
)


def advice_for(harm_types: list[str]) -> list[Advice]:
    chosen = [ADVICE[code] for code in harm_types if code in ADVICE]
    return chosen or [GENERAL]

"""Where a rule is written: the spec digest's section and the upstream page of Hemit's public ePROM
documentation (github.com/HemitSystemutvikling/ePROM at the primary reference commit), for report links."""

from __future__ import annotations

__all__ = ["UPSTREAM", "spec_link"]

UPSTREAM = "https://github.com/HemitSystemutvikling/ePROM/blob/55670667340c348e6a8b395a0c247603c4ffc2d4/"

# Digest section or endpoint ID → the upstream page it summarises (spec/EPROM_API.md names the sources).
_PAGES = {
    "1": "Integrasjonsguide.md",
    "2": "Integrasjonsguide.md",
    "3": "BestillingAvSkjemaV2.md",
    "3.1": "BestillingAvSkjemaV2.md",
    "3.2": "ReturAvUtfyltSkjema.md",
    "3.2.1": "ReturAvUtfyltSkjema.md",
    "3.2.2": "SkjemaSomKreverSignatur.md",
    "3.2.3": "PasientinitiertBestillingAvSkjema.md",
    "3.3": "SendeMeldingTilInnbyggerV2.md",
    "3.4": "Personverninnstillinger.md",
    "4": "BestillingAvSkjemaV2.md",
    "5": "Integrasjonsguide.md",
    "5.5": "SkjemaSomKreverSignatur.md",
    "5.6": "PaVegneAvFlyt.md",
    "5.8": "SendeMeldingSomSmsEpost.md",
    "6": "IntegrasjonVerifikasjon.md",
    "7": "Integrasjonsguide.md",
    "8": "Integrasjonsguide.md",
    "9": "Integrasjonsguide.md",
    "E1": "BestillingAvSkjemaV2.md",
    "E2": "SkjemaSomKreverSignatur.md",
    "E3": "SendeMeldingTilInnbyggerV2.md",
    "E4": "SendeMeldingSomSmsEpost.md",
    "E5": "SendeMeldingSomSmsEpost.md",
    "E6": "Personverninnstillinger.md",
    "E7": "Personverninnstillinger.md",
    "E8": "Personverninnstillinger.md",
}


def spec_link(spec_ref: str) -> dict[str, str]:
    """``{"label": "spec §3.1 (BestillingAvSkjemaV2)", "url": …}`` for a checklist entry's ``spec_ref``."""
    ref = spec_ref.strip()
    page = _PAGES.get(ref)
    probe = ref
    while page is None and "." in probe:
        probe = probe.rsplit(".", 1)[0]
        page = _PAGES.get(probe)
    page = page or _PAGES.get(ref.split(".")[0], "Integrasjonsguide.md")
    section = ref if ref.startswith("E") else f"§{ref}"
    return {"label": f"spec {section} ({page.removesuffix('.md')})", "url": UPSTREAM + page}

"""Distribution rules as channel chains (seed guide "Distribusjonsregler"; spec 4.1, 5.2, BR-08).

``Basic`` tries Helsenorge, then the secure digital mailbox; ``AllowUnsecure`` adds e-mail/SMS after
those (its position is UNSPECIFIED; this is the best reading); ``…OrPaper`` adds paper as the last resort;
the ``…Only`` rules try one channel; ``NoDistribution`` notifies nobody. The *preferred* channel (E1
response) is the first channel of the chain; the *actual* channel (C1) is the first the person can be
reached on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from verification.spec.enums import (
    DistributionRule,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
)

from .settings import Person

__all__ = ["RULE_CHANNELS", "Distribution", "preferred_channel", "distribute", "reachable", "letter_channel"]

H, DM, U, P = (
    NotificationChannel.Helsenorge,
    NotificationChannel.DigitalMailbox,
    NotificationChannel.Unsecure,
    NotificationChannel.PhysicalMailbox,
)

RULE_CHANNELS: dict[DistributionRule, tuple[NotificationChannel, ...]] = {
    DistributionRule.Basic: (H, DM),
    DistributionRule.AllowUnsecure: (H, DM, U),
    DistributionRule.NoDistribution: (),
    DistributionRule.BasicOrPaper: (H, DM, P),
    DistributionRule.AllowUnsecureOrPaper: (H, DM, U, P),
    DistributionRule.PaperOnly: (P,),
    DistributionRule.HelsenorgeOnly: (H,),
    DistributionRule.DigitalMailboxOnly: (DM,),
    DistributionRule.UnsecureOnly: (U,),
}

DEFAULT_LETTER_PRIORITY = (H, DM)


@dataclass(frozen=True)
class Distribution:
    """The outcome reported in C1."""

    status: FormOrderStatus
    channel: NotificationChannel
    error_code: FormOrderStatusErrorCode = FormOrderStatusErrorCode.None_


def preferred_channel(rule: DistributionRule) -> NotificationChannel:
    chain = RULE_CHANNELS[rule]
    return chain[0] if chain else NotificationChannel.None_


def reachable(channel: NotificationChannel, person: Person, *, physical_address: bool = False) -> bool:
    if channel == H:
        return person.helsenorge and person.consent
    if channel == DM:
        return person.digital_mailbox
    if channel == U:
        return person.unsecure
    if channel == P:
        return person.paper_address or physical_address
    return False


def distribute(rule: DistributionRule, person: Person, *, physical_address: bool = False) -> Distribution:
    """``Ordered`` on the first reachable channel; ``Ordered``/``None`` for ``NoDistribution``;
    otherwise ``Error``/``PatientUnreachable``/``None`` (spec 3.1, BR-28 best reading)."""
    if rule == DistributionRule.NoDistribution:
        return Distribution(FormOrderStatus.Ordered, NotificationChannel.None_)
    channel = first_reachable(RULE_CHANNELS[rule], person, physical_address=physical_address)
    if channel is None:
        return Distribution(
            FormOrderStatus.Error, NotificationChannel.None_, FormOrderStatusErrorCode.PatientUnreachable
        )
    return Distribution(FormOrderStatus.Ordered, channel)


def first_reachable(
    channels: Iterable[NotificationChannel], person: Person, *, physical_address: bool = False
) -> NotificationChannel | None:
    for channel in channels:
        if reachable(channel, person, physical_address=physical_address):
            return channel
    return None


def letter_channel(priority: Iterable[NotificationChannel] | None, person: Person) -> NotificationChannel | None:
    """The channel a letter (E3) goes out on: the first reachable one of the priority list."""
    return first_reachable(DEFAULT_LETTER_PRIORITY if priority is None else priority, person)

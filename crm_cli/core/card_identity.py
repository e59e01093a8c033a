"""Which client an address-book card is: by the UID on the card.

crm writes a stable UID on every card it exports (:func:`client_uid`, from the
client's id), so a sync tool such as vdirsyncer updates one card instead of
adding copies. A card made elsewhere (on the phone) has its own UID: once
imported, the client keeps it (``Client.card_uid``) and the export writes it
back, so the phone and crm go on talking about one card.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from crm_cli.core.models import Client

# uuid5 namespace of client UIDs: the same client id always gives the same UID,
# so a re-export updates the card a sync tool holds instead of adding a copy.
UID_NAMESPACE = uuid.UUID("6f1c6a52-3f55-4d0a-9a39-2d4b1c8e9e21")


def client_uid(client_id: str) -> str:
    """The UID crm gives the card of a client that came with none of its own."""
    return str(uuid.uuid5(UID_NAMESPACE, client_id))


def card_uid(client: Client) -> str:
    """The UID of a client's card: the one it was imported with, else crm's own."""
    return client.card_uid or client_uid(client.id)


def uid_key(uid: str) -> str:
    """UIDs compared as sync tools do, but forgiving case and a ``urn:uuid:`` prefix
    (vCard 4 writes one, vCard 3 usually not)."""
    text = uid.strip()
    if text[:9].lower() == "urn:uuid:":
        text = text[9:]
    return text.casefold()


class UidIndex:
    """Client ids by the UIDs their cards may carry (crm's, and the one remembered)."""

    def __init__(self, clients: Iterable[Client] = ()) -> None:
        self.ids: dict[str, str] = {}
        for client in clients:
            self.put(client)

    def put(self, client: Client) -> None:
        # The remembered UID first: it is what the phone writes back.
        for uid in (client.card_uid, client_uid(client.id)):
            if uid:
                self.ids.setdefault(uid_key(uid), client.id)

    def get(self, uid: str | None) -> str | None:
        return self.ids.get(uid_key(uid)) if uid and uid.strip() else None

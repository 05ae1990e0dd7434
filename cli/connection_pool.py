"""The open connections of one listening port, capped in all and per client: those not being answered go first."""

from collections import Counter, OrderedDict
from typing import Generic, TypeVar

C = TypeVar("C")


class ConnectionPool(Generic[C]):
    """At most `limit` open connections, and `per_client` of one client address; each waiting or busy.

    Busy: its request has arrived and is being answered; such a connection is never closed to make
    room. Waiting: idle between requests, or still sending its request (a slow client's too). A new
    connection over a cap takes the place of the connection that has waited longest, of its own
    client when that client is at its cap, else of any client; if none is waiting, the new one is
    refused. So a flood of connections that send nothing costs their sender its own connections,
    not another client's. A client address of None (a trusted proxy) has no per-client cap.
    """

    def __init__(self, limit: int, per_client: int) -> None:
        self.limit = limit
        self.per_client = per_client
        self._client: dict[C, str | None] = {}  # every open connection and its client
        self._per_client: Counter[str | None] = Counter()
        self._waiting: OrderedDict[C, None] = OrderedDict()  # longest waiting first
        self._waiting_of: dict[str | None, OrderedDict[C, None]] = {}

    def __len__(self) -> int:
        return len(self._client)

    def open(self, connection: C, client: str | None) -> C | None:
        """Count a new waiting connection; the connection to close to make room for it, if any.

        That is the new connection itself (then not counted) when no connection it may replace is waiting.
        """
        if client is not None and self._per_client[client] >= self.per_client:
            candidates = self._waiting_of.get(client)
        elif len(self) >= self.limit:
            candidates = self._waiting
        else:
            candidates = None
        evicted = None
        if candidates is not None:
            if not candidates:
                return connection
            evicted = next(iter(candidates))
            self.close(evicted)
        self._client[connection] = client
        self._per_client[client] += 1
        self._wait(connection)
        return evicted

    def busy(self, connection: C) -> None:
        """Its request has arrived: it is being answered and is not closed to make room."""
        if connection in self._waiting:
            self._unwait(connection)

    def waiting(self, connection: C) -> None:
        """Answered: it waits (for its next request) from now on, the newest of those waiting."""
        if connection in self._client and connection not in self._waiting:
            self._wait(connection)

    def close(self, connection: C) -> None:
        if connection not in self._client:
            return
        if connection in self._waiting:
            self._unwait(connection)
        client = self._client.pop(connection)
        self._per_client[client] -= 1
        if not self._per_client[client]:
            del self._per_client[client]

    def _wait(self, connection: C) -> None:
        self._waiting[connection] = None
        self._waiting_of.setdefault(self._client[connection], OrderedDict())[connection] = None

    def _unwait(self, connection: C) -> None:
        del self._waiting[connection]
        client = self._client[connection]
        del self._waiting_of[client][connection]
        if not self._waiting_of[client]:
            del self._waiting_of[client]

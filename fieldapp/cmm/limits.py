"""What the HTTPS intake allows a peer: how many connections, how long for each step of a request, how
many refusals before it is made to wait. Every table here is bounded, whatever the peers do."""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """The server's limits; times in seconds. The defaults suit one CMM desk reached by NGOs' laptops."""

    max_connections: int = 100             # open at once, TLS handshakes included; more are closed at once
    max_connections_per_client: int = 10   # from one client address (0: no such cap)
    handshake_timeout: float = 10.0        # for the TLS handshake
    idle_timeout: float = 10.0             # for the next request's headers, on a new or a kept-alive connection
    request_timeout: float = 15.0          # for the whole request, headers and body, from that same moment
    max_header_bytes: int = 8 * 1024       # request headers, names and values
    refusal_limit: int = 20                # unauthenticated refusals a client may get within refusal_window ...
    refusal_window: float = 60.0
    refusal_block: float = 120.0           # ... before it gets 429 for this long (refusal_limit 0: never)
    max_clients_tracked: int = 4096        # clients remembered for the refusal limit, the least recent forgotten
    graceful_timeout: float = 20.0         # on stop, for requests in flight to finish
    trusted_proxies: frozenset[str] = field(default_factory=frozenset)   # whose X-Forwarded-For names the client

    def __post_init__(self) -> None:
        if min(self.max_connections, self.max_header_bytes, self.max_clients_tracked) < 1:
            raise ValueError("max_connections, max_header_bytes and max_clients_tracked must be at least 1")
        times = (self.handshake_timeout, self.idle_timeout, self.request_timeout, self.refusal_window,
                 self.refusal_block, self.graceful_timeout)
        if min(times) <= 0 or min(self.max_connections_per_client, self.refusal_limit) < 0:
            raise ValueError("timeouts must be positive and counts not negative")
        proxies = frozenset(str(ipaddress.ip_address(proxy)) for proxy in self.trusted_proxies)
        object.__setattr__(self, "trusted_proxies", proxies)


def client_key(peer: str, forwarded_for: Iterable[bytes], trusted: frozenset[str]) -> str:
    """Who a request comes from, for the refusal limit: the peer's address, or for a trusted proxy the last
    address of its X-Forwarded-For. IPv6 addresses count by /64, the block one machine usually holds."""
    address = None
    if peer in trusted:
        address = _address(b",".join(forwarded_for).decode("latin-1").split(",")[-1].strip())
    address = address or _address(peer)
    if address is None:
        return peer
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


class ConnectionGate:
    """Counts open connections, in all and per client address, and refuses any beyond the caps. A trusted
    proxy's connections count only in the total (they carry many clients)."""

    def __init__(self, total: int, per_client: int, exempt: frozenset[str] = frozenset()) -> None:
        self.total, self.per_client, self.exempt = total, per_client, exempt
        self.open = 0
        self._by_client: dict[str, int] = {}     # only clients with a connection open: at most ``total`` entries

    def _key(self, address: str) -> str:
        """Clients count as the refusal limit counts them (IPv6 by /64); a trusted proxy by its own address."""
        return address if address in self.exempt else client_key(address, (), frozenset())

    def enter(self, address: str) -> bool:
        if self.open >= self.total:
            return False
        client = self._key(address)
        counted = self.per_client and client not in self.exempt
        if counted and self._by_client.get(client, 0) >= self.per_client:
            return False
        self.open += 1
        if counted:
            self._by_client[client] = self._by_client.get(client, 0) + 1
        return True

    def leave(self, address: str) -> None:
        self.open -= 1
        client = self._key(address)
        left = self._by_client.get(client, 0) - 1
        if left > 0:
            self._by_client[client] = left
        else:
            self._by_client.pop(client, None)


class RefusalLimiter:
    """A client that got more than ``limit`` unauthenticated refusals within ``window`` seconds is refused
    for ``block`` seconds. A newly accepted packet clears the client's count (a replayed one does not).
    Only the ``capacity`` most recently seen clients are remembered."""

    def __init__(self, limit: int, window: float, block: float, capacity: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.block, self.capacity, self.clock = limit, window, block, capacity, clock
        self._clients: OrderedDict[str, list[float]] = OrderedDict()    # key -> [window start, count, until]

    def __len__(self) -> int:
        return len(self._clients)

    def blocked_for(self, key: str) -> float:
        """Seconds the client must still wait; 0 if it may send."""
        entry = self._clients.get(key)
        return max(0.0, entry[2] - self.clock()) if entry else 0.0

    def refused(self, key: str) -> None:
        if not self.limit:
            return
        now = self.clock()
        entry = self._clients.pop(key, None) or [now, 0, 0.0]
        if now - entry[0] > self.window:
            entry[0], entry[1] = now, 0
        entry[1] += 1
        if entry[1] > self.limit:
            entry[2] = now + self.block
            entry[0], entry[1] = now + self.block, 0      # a new window once the wait is over
        self._clients[key] = entry
        if len(self._clients) > self.capacity:
            self._forget_one(now)

    def _forget_one(self, now: float) -> None:
        """Forget the least recent client that is not waiting out a block; a blocked client is forgotten only
        when every client remembered is blocked (so refusals from other addresses cannot lift a block)."""
        for key, entry in self._clients.items():
            if entry[2] <= now:
                del self._clients[key]
                return
        self._clients.popitem(last=False)

    def accepted(self, key: str) -> None:
        entry = self._clients.get(key)
        if entry is not None and entry[2] <= self.clock():
            del self._clients[key]

"""An unlocked vault: the connection, the signed-in user and the lock on the file.

Locking drops the session; nothing else holds the key.

Each thread has its own database connection: ``session.conn`` is the window's connection, opened at unlock,
unless the calling thread opened its own with ``own_connection()`` (work off the window's thread does: a report
being built, a backup, a sync), keyed with the same keys and with the same compartments attached. SQLite then
keeps the two apart (WAL: readers never wait for the writer, a writer waits up to the busy timeout), and a
cancelled task interrupts its own connection only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.cancel import Cancelled
from fieldapp.crypto.keys import MemberKeys
from fieldapp.domain import custom_codes
from fieldapp.domain.records import User
from fieldapp.errors import IntegrityError, PermissionDenied
from fieldapp.security import audit as audit_trail
from fieldapp.security import hierarchy, roles
from fieldapp.storage import audit_repo, compartments, custom_codes_repo, sidecar
from fieldapp.storage.connection import Connection, VaultLock, close_connection, connect, transaction


@dataclass
class Session:
    path: Path
    window_conn: Connection          # opened at unlock; ``conn`` gives each thread its own
    user: User
    lock: VaultLock
    read_only: bool = False
    demo: bool = False
    warnings: list[str] = field(default_factory=list)
    keys: dict[str, bytearray] = field(default_factory=dict, repr=False)   # compartment -> key held
    member: MemberKeys | None = field(default=None, repr=False)             # the user's private keys
    slot_id: str = ""
    signers_key: bytearray = field(default_factory=bytearray, repr=False)   # signers-map MAC key at unlock
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)
    _thread_conns: set = field(default_factory=set, repr=False, compare=False)
    _threads_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # One close at a time: the window closes a session in a thread of its own, and a second caller (quitting, a
    # test's teardown) waits for it and then finds the session closed.
    _close_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._attached = compartments.attached(self.window_conn)    # what a thread's own connection attaches too
        self.load_custom_codes()

    def load_custom_codes(self) -> None:
        """Install this vault's own codes (``domain.custom_codes``) for the pickers, validation and reports of
        this process, until ``close``. The lock, shared by copies of this session, stands for the vault."""
        custom_codes.install(custom_codes_repo.all_codes(self.conn), owner=self.lock)

    @property
    def is_open(self) -> bool:
        """False from ``begin_close`` on: work that checks finds the session closed while its close still runs."""
        return self.lock.held and not self.lock.ending

    def begin_close(self) -> None:
        """Say the session is closing (``is_open`` turns False, no thread opens a connection) before ``close`` runs
        in another thread."""
        self.lock.ending = True

    @property
    def conn(self) -> Connection:
        """This thread's connection: its own if it opened one, else the one opened at unlock."""
        return getattr(self._local, "conn", None) or self.window_conn

    @contextlib.contextmanager
    def own_connection(self) -> Iterator[Connection]:
        """A connection of this thread's own for the block (the same keys, the same compartments attached, events
        signed as this member); closed at its end. Within the block ``conn`` and ``write()`` use it."""
        if getattr(self._local, "conn", None) is not None:
            yield self._local.conn
            return
        if not self.is_open:
            raise Cancelled()
        conn = connect(self.path, bytes(self.data_key), read_only=self.read_only)
        try:
            for name in compartments.FILE_COMPARTMENTS:
                if name in self.keys and name in self._attached:
                    compartments.attach(conn, self.path, name, bytes(self.keys[name]), read_only=self.read_only)
            with self._threads_lock:                   # registered, or refused if the lock came meanwhile
                if not self.is_open:
                    raise Cancelled()
                if self.member is not None and not self.read_only:
                    audit_repo.bind_signer(conn, self.slot_id, self.member.sign)
                self._thread_conns.add(conn)
        except BaseException:
            conn.close()
            raise
        self._local.conn = conn
        try:
            yield conn
        finally:
            self._local.conn = None
            with self._threads_lock:
                self._thread_conns.discard(conn)
                audit_repo.unbind_signer(conn)
            # Closed without folding the WAL back (the session's own connection does that at lock, SQLite's automatic
            # checkpoints keep it short meanwhile): a thread's checkpoint made the window's next read wait for it.
            with contextlib.suppress(Exception):       # already closed by a lock that could not wait
                conn.close()

    def _close_thread_connections(self) -> None:
        """A thread that did not stop in time (the window stops its tasks first): its statement is broken off and
        its connection closed and unbound, so nothing stays keyed or able to sign after the lock."""
        with self._threads_lock:
            left = list(self._thread_conns)
            self._thread_conns.clear()
            for conn in left:
                audit_repo.unbind_signer(conn)
        for conn in left:
            with contextlib.suppress(Exception):
                conn.interrupt()
                conn.close()

    def interrupt_others(self) -> None:
        """Break off the statement running on every thread's own connection (a lock is coming)."""
        for conn in list(self._thread_conns):
            with contextlib.suppress(Exception):
                conn.interrupt()


    @property
    def data_key(self) -> bytearray:
        """The core compartment's key (the vault file's own key)."""
        return self.keys.get(hierarchy.CORE, bytearray())

    def holds(self, compartment: str) -> bool:
        return compartment in self.keys

    def can(self, capability: str) -> bool:
        """The role must allow it and, where a key stands behind it, the key must be held: a role
        edited in a table grants nothing without the key."""
        return roles.can(self.user.role, capability) and self.holds(hierarchy.key_for(capability))

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise PermissionDenied()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction for one save; refused on a vault opened read-only."""
        if self.read_only:
            raise IntegrityError()
        with transaction(self.conn) as conn:
            yield conn

    def audit(self, action: str, entity: str = "", entity_id: int | str | None = None) -> None:
        """Record an event in its own transaction (for views and other non-changes)."""
        if self.read_only:
            return
        with self.write() as conn:
            audit_repo.append(conn, self.user.id, action, entity, entity_id)

    def start_signing(self) -> None:
        """Sign this session's events from now on; an admin's session also adds new members to the
        signers map (security.audit)."""
        if self.member is None or self.read_only:
            return
        audit_repo.bind_signer(self.conn, self.slot_id, self.member.sign)
        admin_key = self.keys.get(hierarchy.ADMIN)
        if admin_key is not None:
            self.signers_key = bytearray(audit_trail.mac_key(admin_key))
            audit_trail.update_signers(self.conn, self.path, admin_key, self.slot_id)

    def close(self, *, audit_lock: bool = True) -> None:
        with self._close_lock:
            self._close(audit_lock=audit_lock)

    def _close(self, *, audit_lock: bool) -> None:
        if not self.lock.held:
            return
        try:
            if audit_lock:
                with contextlib.suppress(Exception):
                    self.audit("lock")
            self._anchor_audit()
            self._close_thread_connections()
            close_connection(self.window_conn)
        finally:
            custom_codes.uninstall(self.lock)
            audit_repo.unbind_signer(self.window_conn)
            for key in (*self.keys.values(), self.signers_key):
                key[:] = bytes(len(key))
            self.keys = {}
            self.member = None
            self.lock.release()

    def anchor_now(self) -> None:
        """Sign this member's anchor of the trail as it is now (at unlock; every lock does it too)."""
        if self.read_only or self.member is None or not self.slot_id:
            return
        side = sidecar.read(self.path)
        audit_trail.sign_anchor(side, self.slot_id, audit_repo.head(self.conn), self.member.sign)
        sidecar.write(self.path, side)

    def _anchor_audit(self) -> None:
        """Keep the audit chain's head in the sidecar, so removing the newest events shows, with this
        member's signed anchor of it; an admin also records each signer's newest event in the signers map."""
        if self.read_only:
            return
        with contextlib.suppress(Exception):
            side = sidecar.read(self.path)
            side.audit_head = audit_repo.head(self.conn)
            if self.member is not None and self.slot_id:
                audit_trail.sign_anchor(side, self.slot_id, side.audit_head, self.member.sign)
            admin_key = self.keys.get(hierarchy.ADMIN)
            if admin_key is not None:
                with contextlib.suppress(Exception):      # the anchor is written even if this fails
                    audit_trail.refresh_signers(self.conn, side, admin_key, self.slot_id,
                                                earlier_keys=[bytes(self.signers_key)], witness=True)
            sidecar.write(self.path, side)

"""Lock when the platform says the session locks or the machine is about to sleep.

On Linux this listens on D-Bus for logind's PrepareForSleep and the freedesktop screensaver's
ActiveChanged. Where there is no bus (or another platform), nothing is connected; the wall-clock
idle lock still catches a laptop that slept.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, Signal, Slot

_SOURCES = (
    ("system", "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
     "PrepareForSleep"),
    ("session", "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver",
     "ActiveChanged"),
    ("session", "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged"),
)


class PlatformLockWatcher(QObject):
    lock_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected = 0
        with contextlib.suppress(ImportError):
            self._connect_dbus()

    def _connect_dbus(self) -> None:
        from PySide6.QtDBus import QDBusConnection

        for bus_name, service, path, interface, signal in _SOURCES:
            bus = QDBusConnection.systemBus() if bus_name == "system" else QDBusConnection.sessionBus()
            if bus.isConnected() and bus.connect(service, path, interface, signal, self, "on_platform_event(bool)"):
                self.connected += 1

    @Slot(bool)
    def on_platform_event(self, active: bool) -> None:
        if active:
            self.lock_requested.emit()

"""Copying sensitive values: kept out of clipboard history and managers where the platform has a hint,
and cleared after 30 seconds or on lock (only if the clipboard still holds what we put there).

``SensitiveCopyFilter`` routes the user's own Copy and Cut (the keys and the context menu) in every
text field and table through one ``SensitiveClipboard``, so a field added later needs nothing. It is installed on
the app's windows (``window_filters``), where the user's keys and clicks arrive before any widget sees them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QClipboard, QContextMenuEvent, QGuiApplication, QKeySequence, QWindow
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

CLEAR_AFTER_MS = 30_000


class SensitiveClipboard(QObject):
    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS) -> None:
        super().__init__(parent)
        self._text: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(clear_after_ms)
        self._timer.timeout.connect(self.clear)

    def copy(self, text: str) -> None:
        data = QMimeData()
        data.setText(text)
        data.setData("x-kde-passwordManagerHint", b"secret")                  # KDE Klipper and others
        data.setData("ExcludeClipboardContentFromMonitorProcessing", b"1")    # Windows clipboard history
        data.setData("CanIncludeInClipboardHistory", b"\x00\x00\x00\x00")
        data.setData("application/x-nspasteboard-concealed-type", b"secret")  # macOS managers
        QGuiApplication.clipboard().setMimeData(data)
        self._text = text
        self._timer.start()

    def clear(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self._text is not None and clipboard.text() == self._text:
            clipboard.clear()
        # Selecting text in a field also sets the primary selection (X11, Wayland), which a middle click pastes
        # anywhere; what the app's own fields put there goes too. (Offscreen, where the tests run, has none.)
        if clipboard.supportsSelection() and clipboard.ownsSelection():
            clipboard.clear(QClipboard.Mode.Selection)
        self._text = None
        self._timer.stop()


_TEXT_EDITS = (QPlainTextEdit, QTextEdit)           # QTextBrowser is a QTextEdit


def copy_target(watched: QObject) -> QWidget | None:
    """The text field or table whose selection a Copy sent to ``watched`` would take, if any.

    A password field is left out: Qt copies nothing from it, and neither do we."""
    if isinstance(watched, QComboBox):
        watched = watched.lineEdit()                 # an editable combo forwards its keys directly
    elif isinstance(watched, QAbstractSpinBox):
        watched = watched.findChild(QLineEdit)       # a spin or date box hands Copy to its line edit directly
    elif isinstance(watched, QWidget) and isinstance(watched.parent(), _TEXT_EDITS) \
            and watched.parent().viewport() is watched:
        watched = watched.parent()                   # a text edit's context menu arrives at its viewport
    if isinstance(watched, QLineEdit):
        return watched if watched.echoMode() == QLineEdit.EchoMode.Normal else None
    return watched if isinstance(watched, (*_TEXT_EDITS, QAbstractItemView)) else None


def _menu_trigger() -> QEvent.Type:
    """The mouse event that opens a context menu on this platform (the press; the release on Windows)."""
    release = QGuiApplication.styleHints().contextMenuTrigger() == Qt.ContextMenuTrigger.Release
    return QEvent.Type.MouseButtonRelease if release else QEvent.Type.MouseButtonPress


def selected_text(widget: QWidget) -> str:
    """What Qt itself would copy: the selected text, or a table's current cell."""
    if isinstance(widget, QLineEdit):
        return widget.selectedText()
    if isinstance(widget, _TEXT_EDITS):
        return widget.textCursor().selection().toPlainText()
    value = widget.currentIndex().data(Qt.ItemDataRole.DisplayRole)
    return "" if value is None else str(value)


def key_receiver(window: QWindow) -> QObject:
    """Who a key sent to ``window`` is for: the keyboard grabber, an open popup's focus widget, or the focus widget
    (as Qt's QWidgetWindow hands it on)."""
    popup = QApplication.activePopupWidget()
    return (QWidget.keyboardGrabber() or (popup.focusWidget() or popup if popup is not None else None)
            or QApplication.focusWidget() or window)


def widget_under(window: QWindow, point: QPoint) -> QWidget | None:
    """The widget of ``window`` at ``point`` (in the window's coordinates)."""
    for top in QApplication.topLevelWidgets():
        if top.windowHandle() is window:
            return top.childAt(point) or top
    return None


class SensitiveCopyFilter(QObject):
    """An event filter on the app's windows (``window_filters``), installed while the vault is unlocked. It
    takes over Copy and Cut before the widget sees them, so Qt's own plain copy never runs; everything else passes.

    A right click is taken at the window (Qt turns it into a context menu event for the widget only after the
    window has it); the menu key's context menu event comes to the window first, like every key."""

    def __init__(self, clipboard: SensitiveClipboard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clipboard = clipboard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if not isinstance(watched, QWindow):
            return False
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return self._key(key_receiver(watched), event)
        if kind == QEvent.Type.ContextMenu:
            if event.reason() == QContextMenuEvent.Reason.Mouse:
                return False                         # a right click: taken as the click, below
            receiver = key_receiver(watched)         # the menu key: the focus widget's menu
            at = receiver.mapToGlobal(receiver.rect().center()) if isinstance(receiver, QWidget) else event.globalPos()
            return self._context_menu(receiver, at)
        if kind == _menu_trigger() and event.button() == Qt.MouseButton.RightButton \
                and QApplication.activePopupWidget() is None:
            widget = widget_under(watched, event.position().toPoint())
            return widget is not None and self._context_menu(widget, event.globalPosition().toPoint())
        return False

    def _key(self, watched: QObject, event) -> bool:
        cut = event.matches(QKeySequence.StandardKey.Cut)
        if not (cut or event.matches(QKeySequence.StandardKey.Copy)):
            return False
        target = copy_target(watched)
        if target is None:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()                           # the keys stay the field's, never a window shortcut's
        elif cut:
            self.cut(target)
        else:
            self.copy(target)
        return True

    def copy(self, widget: QWidget) -> None:
        text = selected_text(widget)
        if text:
            self._clipboard.copy(text)

    def cut(self, widget: QWidget) -> None:
        """Copy, then remove the selection as the field's own Cut would (one undo step)."""
        if isinstance(widget, QLineEdit) and not widget.isReadOnly() and widget.hasSelectedText():
            self._clipboard.copy(widget.selectedText())
            widget.del_()                            # emits textEdited, so a form notices the change
        elif isinstance(widget, _TEXT_EDITS) and not widget.isReadOnly() and widget.textCursor().hasSelection():
            cursor = widget.textCursor()
            self._clipboard.copy(cursor.selection().toPlainText())
            cursor.removeSelectedText()
            widget.setTextCursor(cursor)

    def _context_menu(self, watched: QObject, at: QPoint) -> bool:
        """The field's standard menu at ``at`` (global), with its Copy and Cut calling ours."""
        target = copy_target(watched)
        owner = target.parent() if isinstance(target, QLineEdit) \
            and isinstance(target.parent(), QAbstractSpinBox) else target    # a spin box's edit has no menu of its own
        if not isinstance(target, (QLineEdit, *_TEXT_EDITS)) \
                or owner.contextMenuPolicy() != Qt.ContextMenuPolicy.DefaultContextMenu:
            return False                             # a field with its own menu keeps it
        menu = target.createStandardContextMenu()
        for action in menu.actions():
            if action.objectName() in ("edit-copy", "edit-cut"):
                # Qt's action is connected to the plain copy. The slot finds the field through the
                # action's menu: a lambda holding the field crashes PySide when the menu is deleted.
                action.triggered.disconnect()
                action.triggered.connect(self._menu_chosen)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(at)
        return True

    def _menu_chosen(self) -> None:
        action = self.sender()
        target = copy_target(action.parent().parentWidget())     # action -> menu -> field
        if target is not None:
            (self.cut if action.objectName() == "edit-cut" else self.copy)(target)

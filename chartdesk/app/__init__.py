"""The Qt-free application layer between the store and the widgets.

``chartdesk.app`` holds what a window shows and how it changes, without Qt: the session state and
its events (``session``), edits as records (``history``), the preferences and their keys
(``preferences``). ``chartdesk.gui`` adapts it to Qt models and widgets; nothing here imports Qt.
"""

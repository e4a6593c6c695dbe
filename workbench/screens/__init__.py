"""One :class:`panel.viewable.Viewer` per screen of the app."""

"""Every user-facing text: gettext catalogues (English source, Spanish) and the renderers."""

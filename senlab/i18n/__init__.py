"""SenLab's messages in Vietnamese first, then English: the gettext catalogues and the
locale's numbers, dates and units."""

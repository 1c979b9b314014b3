"""Service levels: business calendars (`calendar`), and the clocks that run on them."""

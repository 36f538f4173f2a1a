"""Tools that run beside the site (load tests); they import the apps, never the other way."""

"""The composition root: the command line, the server and the web server.

It reads the configuration, builds the application (:mod:`bot.app`), gives each adapter its
typed settings (:mod:`policybot_app.adapter_settings`) and the port
(:class:`bot.application_port.PortToApplication`), and mounts them. It is the only package
that knows both the application and the adapters: nothing in ``bot/`` imports ``adapters/``.
"""

"""Notification channels (e-mail, SMS, voice, push, webhooks) behind one small interface."""

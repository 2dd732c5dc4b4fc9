"""The notification inbox (站内消息): what happened that a user must act on, beside the SMS."""

"""Email: whether a queued email is still worth sending (relevance). The senders, templates and calendar
attachments come with the email issue."""

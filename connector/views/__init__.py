"""Client pages under /connect/ (mounted by accounts/urls.py, namespace "connect")."""

from django import template

register = template.Library()


@register.filter
def dictget(mapping, key):
    """`{{ flags|dictget:client.pk }}`: a dict's value by key in a template (None if absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None

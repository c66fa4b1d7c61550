"""The citizen's choice of provider: one button per provider, posting the provider's public id."""

from django import forms


class ChooseProviderForm(forms.Form):
    provider = forms.UUIDField(widget=forms.HiddenInput)

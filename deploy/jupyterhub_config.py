# egenkontroll på en server: JupyterHubs inställningar (mall).
#
# Kopiera filen till /etc/egenkontroll/jupyterhub_config.py, fyll i avsnitt 1 och 2 och starta med
#     egenkontroll hub --config /etc/egenkontroll/jupyterhub_config.py
# (README: "Installera på en server"). Lösenord och hemligheter läses från miljövariabler som
# systemd-tjänsten sätter från en fil som bara tjänstekontot kan läsa, aldrig från den här filen.
#
# Rollerna och vad de når (se egenkontroll.hub):
#   granskare  granskningsappen och instrumentpanelen
#   ledning    bara instrumentpanelen, läser men sparar inget
#   kvalitet   allt: JupyterLab med anteckningsböckerna, import, export och checklistor
import os
from pathlib import Path

from egenkontroll import hub

c = get_config()  # noqa: F821 - JupyterHub gives every configuration file get_config

# --- 1. Data och adress ------------------------------------------------------------------------
# Den gemensamma arbetsytan (pseudonymiseringsnyckeln, exporter) och hubbens egen mapp (den senare kan
# också anges i EGENKONTROLL_HUB_STATE, t.ex. för en provinstallation).
WORKSPACE = Path("/var/lib/egenkontroll/arbetsyta")
STATE = Path(os.environ.get("EGENKONTROLL_HUB_STATE", "/var/lib/egenkontroll/hub"))
# Den gemensamma databasen: PostgreSQL på samma maskin, över unix-socket, som rollen egenkontroll.
DATABASE_URL = os.environ.get("EGENKONTROLL_DATABASE_URL",
                              "postgresql+psycopg://egenkontroll@/egenkontroll?host=/var/run/postgresql")
# Hubben lyssnar bara på 127.0.0.1; nginx framför den har TLS-certifikatet (README).
PORT = 8000

# --- 2. Inloggning: "ad" (Active Directory över LDAPS) eller "entra" (Entra ID / Azure AD) ------
AUTHENTICATION = os.environ.get("EGENKONTROLL_HUB_AUTH", "ad")

# Grupp -> roll. För AD gruppens hela DN; för Entra ID gruppens objekt-id (GUID).
# Den som är med i flera grupper får den roll som når mest (kvalitet > granskare > ledning);
# den som inte är med i någon av grupperna släpps inte in.
AD_GROUP_ROLES = {
    "CN=Egenkontroll-Granskare,OU=Grupper,DC=kommun,DC=se": "granskare",
    "CN=Egenkontroll-Ledning,OU=Grupper,DC=kommun,DC=se": "ledning",
    "CN=Egenkontroll-Kvalitet,OU=Grupper,DC=kommun,DC=se": "kvalitet",
}
ENTRA_GROUP_ROLES = {
    "00000000-0000-0000-0000-000000000001": "granskare",
    "00000000-0000-0000-0000-000000000002": "ledning",
    "00000000-0000-0000-0000-000000000003": "kvalitet",
}

if AUTHENTICATION == "ad":
    GROUP_ROLES = AD_GROUP_ROLES
    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = "dc01.kommun.se"
    c.LDAPAuthenticator.server_port = 636
    c.LDAPAuthenticator.use_ssl = True
    # inloggningsnamnet är sAMAccountName; tjänstekontot söker upp användarens DN
    c.LDAPAuthenticator.lookup_dn = True
    c.LDAPAuthenticator.user_search_base = "OU=Anvandare,DC=kommun,DC=se"
    c.LDAPAuthenticator.user_attribute = "sAMAccountName"
    c.LDAPAuthenticator.lookup_dn_user_dn_attribute = "cn"
    c.LDAPAuthenticator.lookup_dn_search_user = "CN=svc-egenkontroll,OU=Tjanstekonton,DC=kommun,DC=se"
    c.LDAPAuthenticator.lookup_dn_search_password = os.environ.get("EGENKONTROLL_LDAP_PASSWORD", "")
    # bara medlemmar i grupperna ovan släpps in; kapslade grupper räknas (AD:s LDAP_MATCHING_RULE_IN_CHAIN)
    c.LDAPAuthenticator.allowed_groups = list(GROUP_ROLES)
    c.LDAPAuthenticator.group_search_filter = "(member:1.2.840.113556.1.4.1941:={userdn})"
    # grupperna användaren hittades i blir hubbens grupper, som rollen läses från
    c.Authenticator.manage_groups = True
    c.Authenticator.post_auth_hook = hub.ldap_groups
elif AUTHENTICATION == "entra":
    GROUP_ROLES = ENTRA_GROUP_ROLES
    c.JupyterHub.authenticator_class = "oauthenticator.azuread.AzureAdOAuthenticator"
    c.AzureAdOAuthenticator.tenant_id = os.environ.get("EGENKONTROLL_ENTRA_TENANT", "")
    c.AzureAdOAuthenticator.client_id = os.environ.get("EGENKONTROLL_ENTRA_CLIENT_ID", "")
    c.AzureAdOAuthenticator.client_secret = os.environ.get("EGENKONTROLL_ENTRA_SECRET", "")
    c.AzureAdOAuthenticator.oauth_callback_url = "https://egenkontroll.kommun.se/hub/oauth_callback"
    c.AzureAdOAuthenticator.scope = ["openid", "email", "profile"]
    c.AzureAdOAuthenticator.username_claim = "preferred_username"
    # appregistreringen skickar gruppernas objekt-id i token (Token configuration: groups claim)
    c.AzureAdOAuthenticator.manage_groups = True
    c.AzureAdOAuthenticator.auth_state_groups_key = "user.groups"
    c.AzureAdOAuthenticator.allowed_groups = set(GROUP_ROLES)
else:
    raise ValueError(f"EGENKONTROLL_HUB_AUTH ska vara 'ad' eller 'entra', inte {AUTHENTICATION!r}")

hub.configure(c, hub.HubSettings(
    workspace=WORKSPACE, state=STATE, group_roles=GROUP_ROLES, database_url=DATABASE_URL, port=PORT))

-- Tables in an exposed schema without row level security, selectable by the API roles, with columns whose
-- names say they hold credentials or personal data (password, token, ssn, iban, …): every row is readable
-- through the Data API. (splinter 0023_sensitive_columns_exposed)
with sensitive_names as (
    select unnest(array[
        'password', 'passwd', 'pwd', 'passphrase', 'secret', 'secret_key', 'private_key', 'api_key', 'apikey',
        'auth_key', 'token', 'jwt', 'access_token', 'refresh_token', 'oauth_token', 'session_token',
        'bearer_token', 'auth_code', 'session_id', 'session_key', 'session_secret', 'recovery_code',
        'backup_code', 'verification_code', 'otp', 'two_factor', '2fa_secret', '2fa_code', 'ssn',
        'social_security', 'social_security_number', 'driver_license', 'drivers_license', 'license_number',
        'passport_number', 'passport_id', 'national_id', 'tax_id', 'credit_card', 'card_number', 'cvv', 'cvc',
        'cvn', 'bank_account', 'account_number', 'routing_number', 'iban', 'swift_code', 'bic',
        'health_record', 'medical_record', 'patient_id', 'insurance_number', 'health_insurance',
        'medical_insurance', 'treatment', 'mac_address', 'macaddr', 'imei', 'device_uuid', 'pgp_key',
        'gpg_key', 'ssh_key', 'certificate', 'license_key', 'activation_key', 'facial_recognition'
    ]::text[]) as name
)

select
    format('%I.%I', n.nspname, c.relname) as object,
    format(
        'table without row level security exposes sensitive column(s): %s',
        string_agg(distinct a.attname::text, ', ' order by a.attname::text)
    ) as detail
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_attribute as a on c.oid = a.attrelid
where
    c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and n.nspname in (select es.name from exposed_schemas as es)
    and (
        pg_catalog.has_table_privilege('anon', c.oid, 'select')
        or pg_catalog.has_table_privilege('authenticated', c.oid, 'select')
    )
    and a.attnum > 0
    and not a.attisdropped
    and replace(lower(a.attname), '-', '_') in (select sn.name from sensitive_names as sn)
group by n.nspname, c.relname

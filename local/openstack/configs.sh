# shellcheck shell=bash
# Writes every service's configuration into $ETC (the paste pipelines are
# copied from the packages' /etc files: they are code more than settings). Sourced by up.sh after the
# secrets are loaded. Rewritten on every up (cheap, keeps them in step with
# this file); a running service only sees changes after down + up.
#
# Sizing: the machine has 2 cores and is shared with the project's own
# servers and tests, so every service runs the fewest processes it allows.

KEYSTONE_URL="http://127.0.0.1:5000"
REGION="RegionOne"
# Fixed host name for nova-compute and cinder-volume: the hypervisor and the
# volume service keep their identity even if the machine's hostname changes.
STACK_HOST="ec2os"

db_url() { echo "mysql+pymysql://$1:$DB_PASS@127.0.0.1/$1?charset=utf8"; }
rabbit_url() { echo "rabbit://openstack:$RABBIT_PASS@127.0.0.1:5672/"; }

# [keystone_authtoken] for a service whose Keystone user is $1.
authtoken_section() {
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASS
region_name = $REGION
interface = public
# Nova sends a service token with the user's token (detach, etc.); Cinder and
# the others only trust it when it carries the service role (CVE-2023-2088).
service_token_roles_required = true
EOF
}

# A keystoneauth section for calls one service makes to another.
ksa_section() { # ksa_section SECTION USER
  cat <<EOF
[$1]
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASS
region_name = $REGION
valid_interfaces = public
EOF
}

write_my_cnf() {
  mkdir -p "$ETC/mysql"
  cat >"$ETC/mysql/my.cnf" <<EOF
[mysqld]
user = root
datadir = $STATE/mysql
socket = $STATE/run/mysqld.sock
pid-file = $STATE/run/mysqld.pid
bind-address = 127.0.0.1
port = 3306
skip-name-resolve
skip-log-bin
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
max_connections = 500
# Small footprint: the OpenStack schemas are tiny.
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
performance_schema = OFF
# Test bed: durability on every commit is not worth the fsyncs.
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0

[client]
socket = $STATE/run/mysqld.sock
user = root
EOF
}

write_rabbitmq_conf() {
  mkdir -p "$ETC/rabbitmq"
  cat >"$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:5672
# Created on the first boot of an empty database only.
default_user = openstack
default_pass = $RABBIT_PASS
loopback_users = none
log.console = true
log.console.level = warning
log.file = false
EOF
  echo '[].' >"$ETC/rabbitmq/enabled_plugins"
  : >"$ETC/rabbitmq/rabbitmq-env.conf"
}

write_keystone_conf() {
  mkdir -p "$ETC/keystone"
  cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = false

[database]
connection = $(db_url keystone)

[token]
provider = fernet

[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys

[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys

[credential]
key_repository = $STATE/keystone/credential-keys

EOF
}

write_placement_conf() {
  mkdir -p "$ETC/placement"
  cat >"$ETC/placement/placement.conf" <<EOF
[DEFAULT]
debug = false

[api]
auth_strategy = keystone

[placement_database]
connection = $(db_url placement)

$(authtoken_section placement)

EOF
}

# Everything nova-api, nova-conductor, nova-scheduler and nova-compute share.
nova_common() {
  cat <<EOF
[DEFAULT]
debug = false
host = $STACK_HOST
my_ip = 127.0.0.1
state_path = $STATE/nova
instances_path = $STATE/nova/instances
transport_url = $(rabbit_url)
# One compute host: resizes (EC2 ModifyInstanceAttribute instanceType) stay on it.
allow_resize_to_same_host = true

$(authtoken_section nova)

$(ksa_section placement placement)

$(ksa_section neutron neutron)
# nova-metadata (8775) answers what the EC2 metadata function passes on (/openstack/...),
# with the agent's headers signed again with this secret.
service_metadata_proxy = true
metadata_proxy_shared_secret = $NOVA_METADATA_SECRET

$(ksa_section cinder cinder)
os_region_name = $REGION
catalog_info = volumev3::publicURL

[glance]
region_name = $REGION
valid_interfaces = public

$(ksa_section service_user nova)
# Volume detach and friends: Cinder wants Nova's service token.
send_service_user_token = true

[oslo_concurrency]
lock_path = $STATE/nova/lock

[oslo_messaging_notifications]
driver = noop


[vnc]
enabled = false

[spice]
enabled = false

[serial_console]
enabled = false

[wsgi]
api_paste_config = $ETC/nova/api-paste.ini

[conductor]
workers = 1

[scheduler]
workers = 1
# Hosts are mapped once by up.sh (nova-manage cell_v2 discover_hosts).
discover_hosts_in_cells_interval = -1
EOF
}

write_nova_conf() {
  mkdir -p "$ETC/nova" "$STATE/nova/lock" "$STATE/nova/instances"
  # nova-api-wsgi loads its paste pipeline from the first of its config files,
  # all of which must sit in one directory (OS_NOVA_CONFIG_DIR).
  cp /etc/nova/api-paste.ini "$ETC/nova/api-paste.ini"
  { nova_common; cat <<EOF

[api_database]
connection = $(db_url nova_api)

[database]
connection = $(db_url nova)
EOF
  } >"$ETC/nova/nova.conf"

  # nova-compute must have NO database connection ("No DB access allowed in
  # nova-compute"): it talks to the databases through nova-conductor.
  { nova_common; cat <<EOF

[DEFAULT]
compute_driver = fake.FakeDriver
reserved_host_memory_mb = 0
# The fake driver forgets its instances on restart: do not let the power
# state sync turn every server SHUTOFF after a restart of the stack.
sync_power_state_interval = -1
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
heal_instance_info_cache_interval = 600
EOF
  } >"$ETC/nova/nova-compute.conf"
}

write_neutron_conf() {
  mkdir -p "$ETC/neutron" "$STATE/neutron/lock"
  cp /etc/neutron/api-paste.ini "$ETC/neutron/api-paste.ini"
  cat >"$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = false
bind_host = 127.0.0.1
bind_port = 9696
state_path = $STATE/neutron
core_plugin = ml2
# VPNaaS for the EC2 VPN actions (docs/vpn.md): the stock plugin with its
# reads in reader transactions (neutron-plugin/ec2os_vpnaas: the stock one
# leaks a pooled DB connection per read until the pool is exhausted). With no
# VPN agent, connections stay PENDING_CREATE, which is all the API needs.
service_plugins = router,ec2os_vpnaas
auth_strategy = keystone
transport_url = $(rabbit_url)
allow_overlapping_ips = true
# No agents at all: no DHCP agent to notify or schedule to.
dhcp_agent_notification = false
enable_traditional_dhcp = false
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
# 0 = the API is served by the main process (no forked API worker); RPC
# needs one worker at least.
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
api_paste_config = $ETC/neutron/api-paste.ini

[database]
connection = $(db_url neutron)

$(authtoken_section neutron)

$(ksa_section nova neutron)
endpoint_type = public

# Routed-network segment bookkeeping talks to Placement.
$(ksa_section placement neutron)

[oslo_concurrency]
lock_path = $STATE/neutron/lock

[oslo_messaging_notifications]
driver = noop

[service_providers]
# The one driver python3-neutron-vpnaas 21 ships: IPsec through strongSwan on
# the L3 agent (none runs here; the API side only casts to its RPC topic).
service_provider = VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default

EOF

  cat >"$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
# Binds every port without an agent: local/openstack/neutron-plugin/.
mechanism_drivers = ec2os_bind_all
extension_drivers = port_security

[ml2_type_flat]
flat_networks = public

[ml2_type_vxlan]
vni_ranges = 1:4000

[securitygroup]
enable_security_group = true
firewall_driver = noop
EOF
}

write_cinder_conf() {
  mkdir -p "$ETC/cinder" "$STATE/cinder/lock"
  cp /etc/cinder/api-paste.ini "$ETC/cinder/api-paste.ini"
  cat >"$ETC/cinder/cinder.conf" <<EOF
[DEFAULT]
debug = false
host = $STACK_HOST
my_ip = 127.0.0.1
state_path = $STATE/cinder
transport_url = $(rabbit_url)
auth_strategy = keystone
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = 8776
api_paste_config = $ETC/cinder/api-paste.ini
enabled_backends = fake
storage_availability_zone = nova
default_availability_zone = nova
glance_catalog_info = image:glance:publicURL

[database]
connection = $(db_url cinder)

$(authtoken_section cinder)

$(ksa_section nova cinder)
interface = public

[fake]
# No LVM, no iSCSI: volumes are database records that attach as /dev/sdb.
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
target_helper = fake

[oslo_concurrency]
lock_path = $STATE/cinder/lock

[oslo_messaging_notifications]
driver = noop


[coordination]
backend_url = file://$STATE/cinder/lock
EOF
}

write_glance_conf() {
  mkdir -p "$ETC/glance" "$STATE/glance/images" "$STATE/glance/staging" "$STATE/glance/tasks" "$STATE/glance/lock"
  cp /etc/glance/glance-api-paste.ini "$ETC/glance/glance-api-paste.ini"
  cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = false
bind_host = 127.0.0.1
bind_port = 9292
# 0 = serve from the main process, no forked workers.
workers = 0
enabled_backends = fs:file
show_image_direct_url = false

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $STATE/glance/images

[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging

[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks

[database]
connection = $(db_url glance)

$(authtoken_section glance)

[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini

[oslo_concurrency]
lock_path = $STATE/glance/lock

[oslo_messaging_notifications]
driver = noop

# The EC2 tests register images from a URL served on this machine (RegisterImage -> web-download):
# Glance refuses loopback sources unless listed here. A production cloud keeps the defaults.
[import_filtering_opts]
allowed_hosts = [127.0.0.1]

EOF
}

write_configs() {
  write_my_cnf
  write_rabbitmq_conf
  write_keystone_conf
  write_placement_conf
  write_nova_conf
  write_neutron_conf
  write_cinder_conf
  write_glance_conf
  chmod -R go-rwx "$ETC"
}

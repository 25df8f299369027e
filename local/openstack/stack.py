#!/usr/bin/python3
"""API-side steps of the local OpenStack bring-up (called by up.sh).

  identity      Keystone: roles, projects, service users, catalog, the EC2
                service user, the demo/alt users and their EC2 credentials.
  wait-nova     nova-conductor/scheduler/compute report "up" with a heartbeat
                newer than their process start; the fake hypervisor is
                discovered and mapped to cell1.
  wait-cinder   cinder-scheduler and cinder-volume likewise.
  fixtures      flavors, the public image, the external network, quotas, each test
                project's private network and router, the demo project's
                EBS-backed image;
                then clouds.yaml, openrc.* and (last, atomically) fixtures.json.

Everything is idempotent: each step looks up what exists before creating.
Inputs come from the environment that up.sh exports (state dir, passwords).
Runs under Debian's /usr/bin/python3 (keystoneauth1, PyYAML).
"""

import datetime
import json
import os
import secrets
import subprocess
import sys
import time

from keystoneauth1 import adapter, exceptions, session
from keystoneauth1.identity import v3

AUTH_URL = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
STATE = os.environ["EC2OS_STATE"]
ETC = os.path.join(STATE, "etc")
PIDS = os.path.join(STATE, "pids")
MARKERS = os.path.join(STATE, "markers")
LOGS = os.path.join(STATE, "logs")
ENV = os.environ

SERVICE_USERS = ["nova", "neutron", "cinder", "glance", "placement"]
CATALOG = [
    # (type, name, url)
    ("compute", "nova", "http://127.0.0.1:8774/v2.1"),
    ("placement", "placement", "http://127.0.0.1:8778"),
    ("network", "neutron", "http://127.0.0.1:9696"),
    ("image", "glance", "http://127.0.0.1:9292"),
    ("volumev3", "cinderv3", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("block-storage", "cinder", "http://127.0.0.1:8776/v3/%(project_id)s"),
]
TEST_PROJECTS = {"demo": "DEMO_PASS", "alt": "ALT_PASS"}
FLAVORS = [
    # name, vcpus, ram MiB, disk GB
    ("m1.tiny", 1, 512, 1),
    ("m1.small", 1, 2048, 20),
    ("m1.medium", 2, 4096, 40),
    ("t2.micro", 1, 1024, 8),
]
IMAGE_NAME = "cirros-fake"
EBS_IMAGE_NAME = "ebs-fixture"
PUBLIC_NET = "public"
PUBLIC_CIDR = "172.24.4.0/24"
PRIVATE_NET = "private"
PRIVATE_CIDRS = {"demo": "10.0.0.0/24", "alt": "10.0.1.0/24"}
NOVA_QUOTAS = {"instances": 200, "cores": 400, "ram": 400 * 2048,
               "key_pairs": 500, "server_groups": 100,
               "server_group_members": 200}
CINDER_QUOTAS = {"volumes": 200, "snapshots": 200, "gigabytes": 2000,
                 "backups": 100, "backup_gigabytes": 2000}
NEUTRON_QUOTAS = {"network": 100, "subnet": 200, "port": 1000, "router": 50,
                  "floatingip": 200, "security_group": 200,
                  "security_group_rule": 2000}


def say(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fail(msg):
    print(f"ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def admin_session():
    auth = v3.Password(auth_url=AUTH_URL, username="admin",
                       password=ENV["ADMIN_PASS"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return session.Session(auth=auth)


def api(sess, service_type, **kw):
    return adapter.Adapter(sess, service_type=service_type, interface="public",
                           region_name=REGION, **kw)


# --------------------------------------------------------------- Keystone --

class Identity:
    """Find-or-create on Keystone. Each collection is listed once and kept:
    Keystone answers an admin call in ~0.1 s here, and a re-run of up.sh on a
    running stack should stay a matter of seconds."""

    def __init__(self, sess):
        self.ks = adapter.Adapter(sess, service_type="identity",
                                  interface="public", region_name=REGION)
        self.cache = {}
        self.assignments = None

    def _all(self, kind):
        if kind not in self.cache:
            self.cache[kind] = self.ks.get(f"/{kind}").json()[kind]
        return self.cache[kind]

    def ensure(self, kind, singular, match, body):
        for item in self._all(kind):
            if all(item.get(k) == v for k, v in match.items()):
                return item
        say(f"keystone: create {singular} {body.get('name', '')}")
        item = self.ks.post(f"/{kind}", json={singular: body}).json()[singular]
        self.cache[kind].append(item)
        return item

    def role(self, name):
        return self.ensure("roles", "role", {"name": name}, {"name": name})

    def project(self, name, description):
        return self.ensure("projects", "project",
                           {"name": name, "domain_id": "default"},
                           {"name": name, "domain_id": "default",
                            "description": description})

    def user(self, name, password, project):
        return self.ensure("users", "user",
                           {"name": name, "domain_id": "default"},
                           {"name": name, "domain_id": "default",
                            "password": password,
                            "default_project_id": project["id"]})

    def grant(self, project, user, *roles):
        if self.assignments is None:
            self.assignments = {
                (a["scope"].get("project", {}).get("id"), a["user"]["id"],
                 a["role"]["id"])
                for a in self.ks.get("/role_assignments").json()["role_assignments"]
                if "user" in a}
        for name in roles:
            role = self.role(name)
            key = (project["id"], user["id"], role["id"])
            if key not in self.assignments:
                self.ks.put(f"/projects/{project['id']}/users/{user['id']}"
                            f"/roles/{role['id']}")
                self.assignments.add(key)

    def service_with_endpoint(self, stype, name, url):
        svc = self.ensure("services", "service", {"type": stype},
                          {"type": stype, "name": name, "enabled": True})
        for ep in self._all("endpoints"):
            if ep["service_id"] != svc["id"] or ep["interface"] != "public":
                continue
            if ep["url"] == url and ep.get("region_id") == REGION:
                return
            self.ks.delete(f"/endpoints/{ep['id']}")  # stale: replace it
        say(f"keystone: endpoint {stype} {url}")
        self.ks.post("/endpoints", json={"endpoint": {
            "service_id": svc["id"], "interface": "public", "url": url,
            "region_id": REGION, "enabled": True}})

    def ec2_credential(self, user, project):
        for cred in self._all("credentials"):
            if (cred["type"] == "ec2" and cred["user_id"] == user["id"]
                    and cred.get("project_id") == project["id"]):
                blob = json.loads(cred["blob"])
                return {"access": blob["access"], "secret": blob["secret"]}
        blob = {"access": secrets.token_hex(16), "secret": secrets.token_hex(16)}
        say(f"keystone: create EC2 credential for {user['name']}")
        self.ks.post("/credentials", json={"credential": {
            "type": "ec2", "user_id": user["id"], "project_id": project["id"],
            "blob": json.dumps(blob)}})
        return blob


def do_identity(sess):
    idn = Identity(sess)
    for name in ("admin", "member", "reader", "service"):
        idn.role(name)
    service = idn.project("service", "OpenStack service users")
    for name in SERVICE_USERS:
        user = idn.user(name, ENV["SERVICE_PASS"], service)
        idn.grant(service, user, "admin", "service")
    # The EC2 API's own user: `service` so Keystone answers /v3/ec2tokens,
    # `admin` so the metadata function can read any project's instance.
    ec2 = idn.user("ec2api", ENV["EC2API_PASS"], service)
    idn.grant(service, ec2, "service", "admin")
    for stype, name, url in CATALOG:
        idn.service_with_endpoint(stype, name, url)
    out = {}
    for pname, pw_var in TEST_PROJECTS.items():
        project = idn.project(pname, f"EC2 API test project {pname}")
        user = idn.user(pname, ENV[pw_var], project)
        idn.grant(project, user, "member", "reader")
        out[pname] = {"project": project, "user": user,
                      "ec2": idn.ec2_credential(user, project)}
    return out


# ------------------------------------------------------------ readiness ----

def started_at(service):
    """Start time of the service's current process: its pid file's mtime."""
    try:
        return os.stat(os.path.join(PIDS, f"{service}.pid")).st_mtime
    except FileNotFoundError:
        fail(f"{service} has no pid file; is it running?")


def utc_epoch(stamp):
    if not stamp:
        return 0
    dt = datetime.datetime.fromisoformat(stamp.replace("Z", ""))
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def wait_for(what, check, timeout, logs):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            result = check()
            if result:
                return result
        except (exceptions.ClientException, ValueError, KeyError) as e:
            last = e
        time.sleep(1)
    hint = ", ".join(os.path.join(LOGS, f"{s}.log") for s in logs)
    fail(f"timed out after {timeout}s waiting for {what}"
         + (f" (last error: {last})" if last else "") + f"; see {hint}")


def services_fresh(rows, wanted):
    """wanted: {binary: service name for the pid file}. All up + fresh?"""
    for binary, svc in wanted.items():
        since = int(started_at(svc))
        ok = [r for r in rows if r["binary"] == binary and r["state"] == "up"
              and utc_epoch(r.get("updated_at")) >= since]
        if not ok:
            return False
    return True


def do_wait_nova(sess, timeout):
    nova = api(sess, "compute", default_microversion="2.53")
    wanted = {b: b for b in ("nova-conductor", "nova-scheduler", "nova-compute")}
    wait_for("nova conductor/scheduler/compute to report up",
             lambda: services_fresh(nova.get("/os-services").json()["services"],
                                    wanted),
             timeout, list(wanted))
    # The compute node record exists once nova-compute has created its
    # resource provider in Placement.
    placement = api(sess, "placement", default_microversion="1.14")
    wait_for("nova-compute's resource provider in Placement",
             lambda: placement.get("/resource_providers").json()["resource_providers"],
             timeout, ["nova-compute", "placement"])
    # os-hypervisors hides compute nodes not yet mapped to a cell: map them.
    if not nova.get("/os-hypervisors").json()["hypervisors"]:
        say("nova: cell_v2 discover_hosts")
        with open(os.path.join(LOGS, "init-nova-discover.log"), "ab") as log:
            subprocess.run(["/usr/bin/nova-manage", "--config-file",
                            os.path.join(ETC, "nova", "nova.conf"),
                            "cell_v2", "discover_hosts", "--verbose"],
                           check=True, stdout=log, stderr=log)
        wait_for("the fake hypervisor to be listed",
                 lambda: nova.get("/os-hypervisors").json()["hypervisors"],
                 60, ["nova-compute"])


def do_wait_cinder(sess, timeout):
    cinder = api(sess, "volumev3")
    wanted = {"cinder-scheduler": "cinder-scheduler",
              "cinder-volume": "cinder-volume"}
    wait_for("cinder scheduler/volume to report up",
             lambda: services_fresh(cinder.get("/os-services").json()["services"],
                                    wanted),
             timeout, list(wanted))


# ------------------------------------------------------------- fixtures ----

def ensure_flavors(nova):
    have = {f["name"] for f in
            nova.get("/flavors/detail", params={"is_public": "None"}).json()["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            say(f"nova: create flavor {name}")
            nova.post("/flavors", json={"flavor": {
                "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                "os-flavor-access:is_public": True}})


def ensure_image(glance):
    images = glance.get("/v2/images", params={"name": IMAGE_NAME}).json()["images"]
    for img in images:
        if img["status"] == "active":
            return img
        glance.delete(f"/v2/images/{img['id']}")  # a failed earlier upload
    say(f"glance: upload image {IMAGE_NAME}")
    img = glance.post("/v2/images", json={
        "name": IMAGE_NAME, "disk_format": "raw", "container_format": "bare",
        "visibility": "public", "min_disk": 0, "min_ram": 0}).json()
    glance.put(f"/v2/images/{img['id']}/file", data=b"\0" * (1 << 20),
               headers={"Content-Type": "application/octet-stream"})
    return glance.get(f"/v2/images/{img['id']}").json()


def ensure_public_network(neutron):
    nets = neutron.get("/v2.0/networks",
                       params={"name": PUBLIC_NET, "router:external": True}
                       ).json()["networks"]
    if nets:
        net = nets[0]
    else:
        say(f"neutron: create external network {PUBLIC_NET}")
        net = neutron.post("/v2.0/networks", json={"network": {
            "name": PUBLIC_NET, "router:external": True, "shared": False,
            "provider:network_type": "flat",
            "provider:physical_network": "public"}}).json()["network"]
    subnets = neutron.get("/v2.0/subnets",
                          params={"network_id": net["id"]}).json()["subnets"]
    if not subnets:
        say(f"neutron: create subnet {PUBLIC_CIDR} (no DHCP)")
        neutron.post("/v2.0/subnets", json={"subnet": {
            "name": f"{PUBLIC_NET}-subnet", "network_id": net["id"],
            "ip_version": 4, "cidr": PUBLIC_CIDR, "gateway_ip": "172.24.4.1",
            "enable_dhcp": False,
            "allocation_pools": [{"start": "172.24.4.10",
                                  "end": "172.24.4.250"}]}})
    return net


def ensure_private_network(neutron, project_name, project_id, public_net_id, cidr):
    """The project's own network, subnet and router to the public network, as DevStack gives its
    demo project: where instances launched without a subnet go (EC2's default VPC)."""
    nets = neutron.get("/v2.0/networks", params={
        "name": PRIVATE_NET, "project_id": project_id}).json()["networks"]
    if nets:
        return nets[0]
    say(f"neutron: create network {PRIVATE_NET} {cidr} and router for {project_name}")
    net = neutron.post("/v2.0/networks", json={"network": {
        "name": PRIVATE_NET, "project_id": project_id}}).json()["network"]
    subnet = neutron.post("/v2.0/subnets", json={"subnet": {
        "name": f"{PRIVATE_NET}-subnet", "network_id": net["id"],
        "project_id": project_id, "ip_version": 4, "cidr": cidr}}).json()["subnet"]
    router = neutron.post("/v2.0/routers", json={"router": {
        "name": f"{PRIVATE_NET}-router", "project_id": project_id,
        "external_gateway_info": {"network_id": public_net_id}}}).json()["router"]
    neutron.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                json={"subnet_id": subnet["id"]})
    return net


def project_session(name):
    auth = v3.Password(auth_url=AUTH_URL, username=name,
                       password=ENV[TEST_PROJECTS[name]], project_name=name,
                       user_domain_id="default", project_domain_id="default")
    return session.Session(auth=auth)


def poll(what, probe, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(1)
    fail(f"timed out waiting for {what}")


def ensure_ebs_image(project, network_id):
    """An EBS-backed image of the project's own, made the way that works here (Cinder's fake driver
    cannot fill a volume from an image, and Debian's `openstack server create` cannot boot from a
    volume with delete-on-termination): a blank bootable volume, a server booted from it, an image
    of that server (Nova snapshots the volume and records it in the image's block device mapping).
    The volume stays: the snapshot needs it."""
    sess = project_session(project)
    glance, cinder = api(sess, "image"), api(sess, "volumev3")
    nova = api(sess, "compute", default_microversion="2.45")
    for img in glance.get("/v2/images", params={"name": EBS_IMAGE_NAME}).json()["images"]:
        if img["status"] == "active":
            return img
        glance.delete(f"/v2/images/{img['id']}")
    say(f"{project}: make the EBS-backed image {EBS_IMAGE_NAME}")
    volume = cinder.post("/volumes", json={"volume": {"size": 1, "name": f"{EBS_IMAGE_NAME}-root"}}).json()["volume"]
    poll("the image's volume", lambda: cinder.get(f"/volumes/{volume['id']}").json()["volume"]["status"] == "available")
    cinder.post(f"/volumes/{volume['id']}/action", json={"os-set_bootable": {"bootable": True}})
    flavor = next(f for f in nova.get("/flavors").json()["flavors"] if f["name"] == "m1.tiny")
    server = nova.post("/servers", json={"server": {
        "name": f"{EBS_IMAGE_NAME}-builder", "flavorRef": flavor["id"], "networks": [{"uuid": network_id}],
        "block_device_mapping_v2": [{"uuid": volume["id"], "source_type": "volume", "destination_type": "volume",
                                     "boot_index": 0, "delete_on_termination": False}]}}).json()["server"]
    poll("the image's builder server", lambda: nova.get(f"/servers/{server['id']}").json()["server"]["status"] == "ACTIVE")
    image_id = nova.post(f"/servers/{server['id']}/action",
                         json={"createImage": {"name": EBS_IMAGE_NAME}}).json()["image_id"]
    image = poll("the EBS-backed image", lambda: (lambda i: i if i["status"] == "active" else None)(
        glance.get(f"/v2/images/{image_id}").json()))
    nova.delete(f"/servers/{server['id']}")
    return image


def ensure_quotas(sess, project_id):
    nova = api(sess, "compute")
    cur = nova.get(f"/os-quota-sets/{project_id}").json()["quota_set"]
    if any(cur.get(k) != v for k, v in NOVA_QUOTAS.items()):
        nova.put(f"/os-quota-sets/{project_id}", json={"quota_set": NOVA_QUOTAS})
    cinder = api(sess, "volumev3")
    cur = cinder.get(f"/os-quota-sets/{project_id}").json()["quota_set"]
    if any(cur.get(k) != v for k, v in CINDER_QUOTAS.items()):
        cinder.put(f"/os-quota-sets/{project_id}", json={"quota_set": CINDER_QUOTAS})
    neutron = api(sess, "network")
    cur = neutron.get(f"/v2.0/quotas/{project_id}").json()["quota"]
    if any(cur.get(k) != v for k, v in NEUTRON_QUOTAS.items()):
        neutron.put(f"/v2.0/quotas/{project_id}", json={"quota": NEUTRON_QUOTAS})


def write_atomic(path, text, mode=0o600):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def cloud_entries(ids):
    def entry(user, pw, project):
        return {"auth": {"auth_url": AUTH_URL, "username": user, "password": pw,
                         "project_name": project, "user_domain_name": "Default",
                         "project_domain_name": "Default"},
                "region_name": REGION, "interface": "public",
                "identity_api_version": 3}
    clouds = {"admin": entry("admin", ENV["ADMIN_PASS"], "admin")}
    for pname, pw_var in TEST_PROJECTS.items():
        clouds[pname] = entry(pname, ENV[pw_var], pname)
    clouds["ec2-service"] = entry("ec2api", ENV["EC2API_PASS"], "service")
    return clouds


def write_client_files(clouds, ids):
    import yaml
    write_atomic(os.path.join(STATE, "clouds.yaml"),
                 "# Written by local/openstack/up.sh\n"
                 + yaml.safe_dump({"clouds": clouds}, sort_keys=False))
    for name, c in clouds.items():
        a = c["auth"]
        lines = [f"# {name}: written by local/openstack/up.sh; source me",
                 f"export OS_AUTH_URL={a['auth_url']}",
                 f"export OS_USERNAME={a['username']}",
                 f"export OS_PASSWORD={a['password']}",
                 f"export OS_PROJECT_NAME={a['project_name']}",
                 "export OS_USER_DOMAIN_NAME=Default",
                 "export OS_PROJECT_DOMAIN_NAME=Default",
                 f"export OS_REGION_NAME={REGION}",
                 "export OS_INTERFACE=public",
                 "export OS_IDENTITY_API_VERSION=3"]
        if name in ids:
            lines += [f"export EC2_ACCESS_KEY={ids[name]['ec2']['access']}",
                      f"export EC2_SECRET_KEY={ids[name]['ec2']['secret']}"]
        write_atomic(os.path.join(STATE, f"openrc.{name}"), "\n".join(lines) + "\n")


def do_fixtures(sess):
    ids = do_identity(sess)  # cheap lookups; also repairs anything deleted
    nova = api(sess, "compute")
    ensure_flavors(nova)
    image = ensure_image(api(sess, "image"))
    net = ensure_public_network(api(sess, "network"))
    private = {}
    for pname in TEST_PROJECTS:
        ensure_quotas(sess, ids[pname]["project"]["id"])
        private[pname] = ensure_private_network(api(sess, "network"), pname, ids[pname]["project"]["id"],
                                                net["id"], PRIVATE_CIDRS[pname])
    ebs_image = ensure_ebs_image("demo", private["demo"]["id"])
    write_client_files(cloud_entries(ids), ids)
    fixtures = {
        "authUrl": AUTH_URL, "region": REGION,
        "serviceUser": {"name": "ec2api", "password": ENV["EC2API_PASS"],
                        "projectName": "service", "userDomain": "Default",
                        "projectDomain": "Default"},
        "admin": {"name": "admin", "password": ENV["ADMIN_PASS"],
                  "projectName": "admin"},
        "projects": {
            pname: {"projectId": v["project"]["id"], "projectName": pname,
                    "userId": v["user"]["id"], "userName": pname,
                    "password": ENV[TEST_PROJECTS[pname]], "ec2": v["ec2"]}
            for pname, v in ids.items()},
        "imageId": image["id"], "imageName": IMAGE_NAME,
        "ebsImage": {"project": "demo", "imageId": ebs_image["id"], "imageName": EBS_IMAGE_NAME},
        "flavors": [f[0] for f in FLAVORS],
        "publicNetworkId": net["id"], "publicNetworkName": PUBLIC_NET,
    }
    # Last and atomic: the file's presence means "the stack is ready".
    write_atomic(os.path.join(STATE, "fixtures.json"),
                 json.dumps(fixtures, indent=2) + "\n")


def main():
    args = sys.argv[1:]
    timeout = 180
    if args and args[-1].isdigit():
        timeout = int(args.pop())
    steps = {"identity": lambda s: do_identity(s),
             "wait-nova": lambda s: do_wait_nova(s, timeout),
             "wait-cinder": lambda s: do_wait_cinder(s, timeout),
             "fixtures": lambda s: do_fixtures(s)}
    if not args or any(a not in steps for a in args):
        fail(f"usage: stack.py {{{'|'.join(steps)}}}... [timeout]")
    sess = admin_session()
    for step in args:
        steps[step](sess)


if __name__ == "__main__":
    main()

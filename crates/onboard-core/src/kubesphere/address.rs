//! Where the host's proxy address comes from: every place that holds one, the place the
//! installed version reads, what members will be told (configured address, else the
//! LoadBalancer's), disagreements between places, and the port-forward to set up when
//! there is nothing to publish yet.
//!
//! Which place is read (KUBESPHERE-FACTS §4): Secret `tower` of the cluster-connection-config
//! type where it exists or ks-apiserver serves that type (newer releases), else on 3.x ClusterConfiguration `ks-installer`,
//! else ConfigMap `kubesphere-config`.

use super::api::{self, ApiError};
use super::config_place::{self, AddressPlace, CONNECTION_CONFIG_TYPE};
use super::detect::{self, KsVersion, NodeAddresses, TowerService};
use serde::Serialize;
use serde_json::Value;

/// What one place holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PlaceReading {
    pub place: AddressPlace,
    /// Which object and key, for people.
    pub description: String,
    pub exists: bool,
    pub address: Option<String>,
    /// Why it could not be read (forbidden, broken YAML…); never its content.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum AddressOrigin {
    /// Written in the place the installed version reads.
    Configured,
    /// Nothing configured: the tower LoadBalancer's address is used.
    LoadBalancer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EffectiveAddress {
    pub url: String,
    pub origin: AddressOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AddressReport {
    pub version: Option<KsVersion>,
    /// The place the installed version reads, which `set` writes.
    pub read_place: AddressPlace,
    pub places: Vec<PlaceReading>,
    pub service: Option<TowerService>,
    pub nodes: Vec<NodeAddresses>,
    /// What agent.yaml will carry; `None`: joins fail until an address is set.
    pub effective: Option<EffectiveAddress>,
    /// Places holding different addresses, or an address where it is not read.
    pub disagreements: Vec<String>,
    /// The forward to set up (`PUBLIC_IP:PORT → NodeIP:NodePort`) when there is no address.
    pub port_forward: Option<String>,
}

/// Reads every place, the tower Service, the nodes and the version, side by side.
pub async fn detect(client: &kube::Client) -> crate::Result<AddressReport> {
    let (secret, configmap, installer, service, nodes, version, connection_configs) = tokio::join!(
        api::get(client, AddressPlace::TowerSecret.path()),
        api::get(client, AddressPlace::KubesphereConfig.path()),
        api::get(client, AddressPlace::KsInstaller.path()),
        detect::tower_service(client),
        detect::node_addresses(client),
        detect::ks_version(client),
        api::get_text(client, CONNECTION_CONFIGS_API),
    );
    let service = service.map_err(|e| e.into_error("read Service kubesphere-system/tower"))?;
    let nodes = nodes.unwrap_or_default();
    let version = version.ok().flatten();
    let secret = secret.map(|s| s.filter(|s| s["type"] == CONNECTION_CONFIG_TYPE));
    let readings = [
        (AddressPlace::TowerSecret, secret),
        (AddressPlace::KubesphereConfig, configmap),
        (AddressPlace::KsInstaller, installer),
    ];
    let read_place = read_place(
        readings[0].1.as_ref().is_ok_and(Option::is_some) || connection_configs.is_ok(),
        readings[2].1.as_ref().is_ok_and(Option::is_some),
        version.as_ref(),
    );
    let places: Vec<PlaceReading> = readings
        .into_iter()
        .map(|(place, object)| reading(place, object))
        .collect();
    let configured = places
        .iter()
        .find(|p| p.place == read_place)
        .and_then(|p| p.address.clone());
    let effective = configured
        .map(|url| EffectiveAddress {
            url,
            origin: AddressOrigin::Configured,
        })
        .or_else(|| {
            service
                .as_ref()
                .and_then(TowerService::load_balancer_address)
                .map(|url| EffectiveAddress {
                    url,
                    origin: AddressOrigin::LoadBalancer,
                })
        });
    let disagreements = disagreements(&places, read_place);
    let port_forward = match (&effective, &service) {
        (None, Some(service)) => service.node_port.map(|node_port| {
            let node = nodes
                .iter()
                .flat_map(|n| n.external_ip.iter().chain(&n.internal_ip))
                .next()
                .map_or("NODE_IP", String::as_str);
            format!("PUBLIC_IP:PORT → {node}:{node_port}")
        }),
        _ => None,
    };
    Ok(AddressReport {
        version,
        read_place,
        places,
        service,
        nodes,
        effective,
        disagreements,
        port_forward,
    })
}

/// ks-apiserver serves cluster connection configurations (Secrets of the
/// cluster-connection-config type) from KS master commit 75ac085 on: such a host reads
/// Secret `tower` even before it exists.
const CONNECTION_CONFIGS_API: &str = "/api/v1/namespaces/kubesphere-system/services/ks-apiserver:80/proxy/kapis/config.kubesphere.io/v1alpha2/clusterconnectionconfigurations";

fn read_place(secret: bool, installer: bool, version: Option<&KsVersion>) -> AddressPlace {
    if secret {
        AddressPlace::TowerSecret
    } else if version.map_or(installer, KsVersion::is_v3) {
        AddressPlace::KsInstaller
    } else {
        AddressPlace::KubesphereConfig
    }
}

fn reading(place: AddressPlace, object: Result<Option<Value>, ApiError>) -> PlaceReading {
    let mut out = PlaceReading {
        place,
        description: place.describe().into(),
        exists: false,
        address: None,
        problem: None,
    };
    match object {
        Ok(None) => {}
        Err(error) => out.problem = Some(format!("could not be read: {}", error.describe())),
        Ok(Some(object)) => {
            out.exists = true;
            match config_place::config_text(place, &object)
                .and_then(|text| text.map(|t| config_place::parse(place, &t)).transpose())
            {
                Ok(config) => {
                    out.address = config.and_then(|c| config_place::address_in(place, &c));
                }
                Err(unreadable) => out.problem = Some(unreadable.0),
            }
        }
    }
    out
}

fn disagreements(places: &[PlaceReading], read_place: AddressPlace) -> Vec<String> {
    let read = places.iter().find(|p| p.place == read_place);
    let read_address = read.and_then(|p| p.address.as_deref());
    places
        .iter()
        .filter(|p| p.place != read_place)
        .filter_map(|p| {
            let other = p.address.as_deref()?;
            Some(match read_address {
                Some(used) if used == other => return None,
                Some(used) => format!(
                    "{} holds {other}, but the installed version reads {} ({used})",
                    p.description,
                    read_place.describe()
                ),
                None => format!(
                    "{} holds {other}, but the installed version reads {}, which has no address: {other} is not used",
                    p.description,
                    read_place.describe()
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(place: AddressPlace, address: Option<&str>) -> PlaceReading {
        PlaceReading {
            place,
            description: place.describe().into(),
            exists: true,
            address: address.map(str::to_string),
            problem: None,
        }
    }

    #[test]
    fn the_secret_wins_then_3x_then_the_configmap() {
        let v3 = KsVersion {
            git_version: "v3.4.1".into(),
            source: "t".into(),
        };
        let v4 = KsVersion {
            git_version: "v4.1.3".into(),
            source: "t".into(),
        };
        assert_eq!(read_place(true, true, Some(&v3)), AddressPlace::TowerSecret);
        assert_eq!(
            read_place(false, true, Some(&v3)),
            AddressPlace::KsInstaller
        );
        assert_eq!(
            read_place(false, false, Some(&v3)),
            AddressPlace::KsInstaller
        );
        assert_eq!(
            read_place(false, true, Some(&v4)),
            AddressPlace::KubesphereConfig,
            "an installer left over from an upgrade is not read"
        );
        assert_eq!(read_place(false, true, None), AddressPlace::KsInstaller);
        assert_eq!(
            read_place(false, false, None),
            AddressPlace::KubesphereConfig
        );
    }

    #[test]
    fn disagreements_name_both_places() {
        let places = vec![
            place(AddressPlace::TowerSecret, Some("http://a:1")),
            place(AddressPlace::KubesphereConfig, Some("http://b:2")),
            place(AddressPlace::KsInstaller, Some("http://a:1")),
        ];
        let found = disagreements(&places, AddressPlace::TowerSecret);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("http://b:2") && found[0].contains("(http://a:1)"));
        let unused = disagreements(
            &[
                place(AddressPlace::TowerSecret, None),
                place(AddressPlace::KubesphereConfig, Some("http://b:2")),
            ],
            AddressPlace::TowerSecret,
        );
        assert!(unused[0].ends_with("http://b:2 is not used"), "{unused:?}");
    }
}

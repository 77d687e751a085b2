// English UI text. zh-CN.ts must have the same keys (the type checker enforces it).
const en = {
  app: {
    name: "Onboard for KubeSphere",
    tagline: "Join a member cluster to your KubeSphere host through the tower proxy",
    skipToContent: "Skip to content",
    language: "Language",
    navLabel: "Onboarding steps",
    step: "Step {{n}}",
  },
  stages: {
    kubeconfigs: {
      title: "Kubeconfigs",
      lead: "Choose which cluster is the KubeSphere host and which one joins it as a member.",
      empty: {
        title: "No contexts found",
        sources: "Files read, in kubectl's order:",
        defaultSource: "~/.kube/config and KUBECONFIG, like kubectl",
      },
      guide: {
        what: "KubeSphere manages several clusters from one host cluster. To add a member, you need admin access to both: the host to register the member, the member to install the agent that dials back to the host.",
        why: "Picking the two contexts up front lets every later step say exactly which cluster it reads or changes.",
        changes: "Nothing. Your kubeconfig files are only read, never rewritten, and no cluster is contacted on this page.",
      },
    },
    host: {
      title: "Host",
      lead: "Check that the host runs KubeSphere with the multi-cluster agent connection (tower) ready.",
      empty: {
        title: "No host to check",
        body: "Choose the host context first. Then this page checks that the API server answers, that you are platform-admin, and that the tower extension is installed, enabled and running.",
        action: "Go to Kubeconfigs",
      },
      guide: {
        what: "A member joins through the host's tower service, which the KubeSphere Multi-Cluster Agent Connection extension installs. Only a platform-admin may add clusters.",
        why: "Finding a missing extension or permission now is cheaper than debugging a join that never finishes.",
        changes: "Nothing. The checks only read from the host.",
      },
    },
    "proxy-address": {
      title: "Proxy address",
      lead: "The address member nodes use to reach tower on the host.",
      empty: {
        title: "Check the host first",
        body: "The proxy address depends on the host's tower Service. Once the host checks pass, this page shows whether KubeSphere already has an address to publish and helps you set one if it does not.",
        action: "Go to Host",
      },
      guide: {
        what: "The agent on the member connects out to tower on the host. If Service kubesphere-system/tower has an EXTERNAL-IP, KubeSphere publishes it. If not, an admin forwards a public address to a node's NodePort and writes it as proxyPublishAddress in Secret kubesphere-system/tower.",
        why: "Every agent manifest is generated from this address: a wrong one (port 8080, or a NodePort on an address members cannot reach) breaks every join later.",
        changes: "Only when you confirm: the proxyPublishAddress key in Secret kubesphere-system/tower, keeping every other setting, with a backup you can restore.",
      },
    },
    "add-cluster": {
      title: "Add cluster",
      lead: "Register the member on the host, as the console's Add Cluster form does.",
      empty: {
        title: "The proxy address comes first",
        body: "Add Cluster needs a host that passed its checks and a proxy address members can reach. Finish those steps, then fill in the name, tags, provider and description here.",
        action: "Go to Proxy address",
      },
      guide: {
        what: "KubeSphere represents each member as a Cluster object on the host. With connection type proxy and joinFederation set, tower issues a join token and prepares the agent manifest (agent.yaml).",
        why: "The name is permanent and must be unique on the host; the usage identifier and tags help people find the cluster later.",
        changes: "One Cluster object on the host, created after a server-side dry run. Removing it is one click on Clusters & history.",
      },
    },
    join: {
      title: "Join",
      lead: "Install the agent on the member and follow it until the cluster is Ready.",
      empty: {
        title: "No cluster waiting to join",
        body: "After you add a cluster, this page applies agent.yaml to the member for you and explains each condition as the cluster goes from Initialized to AgentAvailable to Ready.",
        action: "Go to Add cluster",
      },
      guide: {
        what: "agent.yaml creates the cluster-agent Deployment on the member. The agent dials the proxy address with the join token, and the host marks the cluster Ready once it answers through the tunnel.",
        why: "Doing this from here saves copying the manifest to a member node, and tells you why a join is stuck instead of leaving you waiting.",
        changes: "On the member: a namespace, the tower ServiceAccount, a ClusterRoleBinding and the cluster-agent Deployment. Each is recorded so it can be removed.",
      },
    },
    clusters: {
      title: "Clusters & history",
      lead: "The clusters your host manages, and every change this app made.",
      empty: {
        title: "Nothing changed yet",
        body: "Every change the app makes to a cluster is listed here with who, when and what, and a way to undo it. Start with your kubeconfigs.",
        action: "Go to Kubeconfigs",
      },
      guide: {
        what: "The host lists every member it manages with its connection type and conditions. Removing a member deletes its Cluster object; the agent on the member is removed separately.",
        why: "A change you can see and undo is a change you can make on a production host with confidence.",
        changes: "Nothing on this page, until you choose to undo a change.",
      },
    },
  },
  kubeconfigs: {
    loading: "Reading the kubeconfig files…",
    loadFailed: "The kubeconfig files could not be read",
    noContexts: "The kubeconfig files have no contexts. Add your host and member clusters to a kubeconfig, or start the app with --kubeconfig FILE.",
    listLabel: "Contexts",
    search: "Search contexts, clusters, servers, users",
    count: "{{shown}} of {{total}} contexts",
    refused: "That choice was not made",
    missingCluster: "cluster “{{cluster}}” is in no file",
    insecure: "TLS not verified",
    namespace: "namespace {{namespace}}",
    host: "Host",
    member: "Member",
    columns: { context: "Context", server: "API server and sign-in", role: "Role in the flow" },
    auth: {
      clientCertificate: "client certificate",
      token: "token",
      tokenFile: "token file",
      basic: "user name and password",
      exec: "plugin: {{command}}",
      authProvider: "auth provider: {{name}}",
      missingUser: "user not in any file",
      none: "none",
    },
  },
  guide: {
    title: "Guide",
    show: "Show guide",
    hide: "Hide guide",
    what: "What happens in KubeSphere",
    why: "Why it matters",
    changes: "What this app changes",
  },
  sandbox: {
    title: "You are in the sandbox",
    body: "Two simulated clusters run inside this app on your computer (scenario “{{scenario}}”): a KubeSphere host and a member. Try every step here; nothing reaches a real cluster.",
    leave: "Use my kubeconfigs",
  },
  status: {
    sandbox: "Sandbox · {{scenario}}",
    host: "Host",
    member: "Member",
    notChosen: "not chosen",
    source: "Kubeconfig",
    defaultSource: "default (KUBECONFIG or ~/.kube/config)",
    version: "Version {{version}}",
    backendDown: "The app's backend did not answer",
  },
} as const;

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };
export type Resources = Strings<typeof en>;
export default en as Resources;

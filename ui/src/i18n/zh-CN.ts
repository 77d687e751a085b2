// 简体中文界面文字。键必须与 en.ts 一致（由类型检查保证）。
import type { Resources } from "./en";

const zhCN: Resources = {
  app: {
    name: "KubeSphere 集群接入助手",
    tagline: "通过 tower 代理将成员集群加入 KubeSphere 主集群",
    skipToContent: "跳到正文",
    language: "语言",
    navLabel: "接入步骤",
    step: "第 {{n}} 步",
  },
  stages: {
    kubeconfigs: {
      title: "Kubeconfig",
      lead: "选择哪个集群是 KubeSphere 主集群，哪个集群作为成员加入。",
      empty: {
        title: "没有找到上下文",
        sources: "按 kubectl 顺序读取的文件：",
        defaultSource: "与 kubectl 相同：KUBECONFIG 与 ~/.kube/config",
      },
      guide: {
        what: "KubeSphere 由一个主集群管理多个集群。添加成员集群需要两边的管理员权限：在主集群上登记成员，在成员集群上安装回连主集群的代理（agent）。",
        why: "先选定两个上下文，之后每一步都能明确说明它读取或修改的是哪个集群。",
        changes: "不做任何修改。只读取你的 kubeconfig 文件，从不改写；本页不连接任何集群。",
      },
    },
    host: {
      title: "主集群",
      lead: "检查主集群运行 KubeSphere，且多集群代理连接（tower）已就绪。",
      empty: {
        title: "没有可检查的主集群",
        body: "请先选择主集群上下文。之后本页会检查 API 服务器能否访问、你是否为 platform-admin，以及 tower 扩展是否已安装、已启用并正在运行。",
        action: "前往 Kubeconfig",
      },
      guide: {
        what: "成员集群通过主集群的 tower 服务接入，该服务由“KubeSphere 多集群代理连接”扩展安装。只有 platform-admin 可以添加集群。",
        why: "现在发现缺少扩展或权限，比排查一个始终无法完成的接入要省事得多。",
        changes: "不做任何修改。检查只读取主集群。",
      },
    },
    "proxy-address": {
      title: "代理地址",
      lead: "成员集群节点访问主集群 tower 所用的地址。",
      empty: {
        title: "请先检查主集群",
        body: "代理地址取决于主集群的 tower 服务。主集群检查通过后，本页会显示 KubeSphere 是否已有可发布的地址，没有时帮你设置。",
        action: "前往主集群",
      },
      guide: {
        what: "成员集群上的代理主动连接主集群的 tower。如果服务 kubesphere-system/tower 有 EXTERNAL-IP，KubeSphere 会直接使用它；否则管理员需要把一个公网地址转发到节点的 NodePort，并写入 Secret kubesphere-system/tower 的 proxyPublishAddress。",
        why: "每份代理清单（agent.yaml）都由这个地址生成：地址错误（例如端口 8080，或成员无法访问的地址上的 NodePort）会让之后的每次接入都失败。",
        changes: "仅在你确认后修改：Secret kubesphere-system/tower 中的 proxyPublishAddress，保留其他所有配置，并留有可恢复的备份。",
      },
    },
    "add-cluster": {
      title: "添加集群",
      lead: "像控制台的“添加集群”表单一样，在主集群上登记成员集群。",
      empty: {
        title: "请先确定代理地址",
        body: "添加集群需要主集群检查通过，并有成员可以访问的代理地址。完成这些步骤后，在这里填写名称、标签、供应商和描述。",
        action: "前往代理地址",
      },
      guide: {
        what: "KubeSphere 在主集群上用一个 Cluster 对象表示每个成员集群。连接方式为代理且设置了 joinFederation 时，tower 会签发接入令牌并准备代理清单（agent.yaml）。",
        why: "集群名称创建后不能更改，且在主集群上必须唯一；用途标识和标签便于日后查找集群。",
        changes: "在主集群上创建一个 Cluster 对象，创建前先做服务端试运行（dry run）。在“集群与历史”中一键即可删除。",
      },
    },
    join: {
      title: "接入",
      lead: "在成员集群上安装代理，并跟踪到集群就绪。",
      empty: {
        title: "没有等待接入的集群",
        body: "添加集群后，本页会替你把 agent.yaml 应用到成员集群，并在集群从 Initialized 到 AgentAvailable 再到 Ready 的过程中解释每个状态。",
        action: "前往添加集群",
      },
      guide: {
        what: "agent.yaml 在成员集群上创建 cluster-agent 部署。代理使用接入令牌连接代理地址，主集群通过隧道收到应答后把集群标记为 Ready。",
        why: "在这里完成，就不必把清单复制到成员节点上；接入卡住时会告诉你原因，而不是让你一直等待。",
        changes: "在成员集群上：一个命名空间、tower 服务账户、一个 ClusterRoleBinding 和 cluster-agent 部署。每项都有记录，可以删除。",
      },
    },
    clusters: {
      title: "集群与历史",
      lead: "主集群管理的集群，以及本应用做过的每一次修改。",
      empty: {
        title: "尚无任何修改",
        body: "本应用对集群做的每次修改都会列在这里，包括操作人、时间和内容，并可撤销。请从 kubeconfig 开始。",
        action: "前往 Kubeconfig",
      },
      guide: {
        what: "主集群列出它管理的每个成员集群及其连接方式和状态。移除成员会删除它的 Cluster 对象；成员集群上的代理需要另外移除。",
        why: "能看见、能撤销的修改，才敢在生产主集群上放心执行。",
        changes: "本页不做修改，除非你选择撤销某次修改。",
      },
    },
  },
  kubeconfigs: {
    loading: "正在读取 kubeconfig 文件…",
    loadFailed: "无法读取 kubeconfig 文件",
    noContexts: "kubeconfig 文件中没有上下文。请把主集群和成员集群加入 kubeconfig，或用 --kubeconfig FILE 启动本应用。",
    listLabel: "上下文",
    search: "搜索上下文、集群、服务器、用户",
    count: "显示 {{shown}} / 共 {{total}} 个上下文",
    refused: "未能完成该选择",
    missingCluster: "集群“{{cluster}}”不在任何文件中",
    insecure: "未校验 TLS",
    namespace: "命名空间 {{namespace}}",
    host: "主集群",
    member: "成员集群",
    columns: { context: "上下文", server: "API 服务器与认证方式", role: "在流程中的角色" },
    auth: {
      clientCertificate: "客户端证书",
      token: "令牌",
      tokenFile: "令牌文件",
      basic: "用户名和密码",
      exec: "插件：{{command}}",
      authProvider: "认证提供者：{{name}}",
      missingUser: "用户不在任何文件中",
      none: "无",
    },
  },
  guide: {
    title: "指南",
    show: "显示指南",
    hide: "隐藏指南",
    what: "KubeSphere 中发生了什么",
    why: "为什么重要",
    changes: "本应用会修改什么",
  },
  sandbox: {
    title: "你正在使用沙箱",
    body: "两个模拟集群在本机的应用内运行（场景“{{scenario}}”）：一个 KubeSphere 主集群和一个成员集群。可以在这里尝试每一步，不会影响任何真实集群。",
    leave: "使用我的 kubeconfig",
  },
  status: {
    sandbox: "沙箱 · {{scenario}}",
    host: "主集群",
    member: "成员集群",
    notChosen: "未选择",
    source: "Kubeconfig",
    defaultSource: "默认（KUBECONFIG 或 ~/.kube/config）",
    version: "版本 {{version}}",
    backendDown: "应用后端没有响应",
  },
};

export default zhCN;
